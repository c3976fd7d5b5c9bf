import { createAlertSinks, sinkNames } from '../lib/alerts/index.js';
import { deliveryDecision, type FilteredSink } from '../lib/alerts/filter.js';
import { appBaseUrl } from '../lib/alerts/links.js';
import { sampleAlert, sampleSnapshot } from '../lib/alerts/sample.js';
import type { AlertSink } from '../lib/alerts/types.js';
import type { CommandContext } from '../lib/context.js';
import { errorMessage, RuntimeError, UserError } from '../lib/errors.js';
import { redactText } from '../lib/redact.js';

/** One sink's answer on stdout (piped: NDJSON; a kind other stages pass through). */
export type AlertTestRecord = {
  v: 1;
  kind: 'alert-test';
  sink: string;
  ok: boolean;
  /** What the receiver answered (ok), or the error. */
  answer: string;
  ms: number;
  /** E.g. that quiet hours are on now (the test goes through anyway). */
  note?: string;
};

/**
 * `cctv alert test [--sink NAME]`: a test alert with a sample snapshot through every configured sink (or one), each
 * answer printed; exit 1 when one failed. Filters do not hold a test back: it is built to match each sink's cameras
 * and labels, and quiet hours are only noted.
 */
export async function alertTest(opts: { sink?: string; json?: boolean }, ctx: CommandContext): Promise<void> {
  const { config } = ctx;
  const names = sinkNames(config);
  if (names.length === 0) throw new UserError('no alert sinks configured: add alerts.sinks, alerts.webhook or alerts.mqtt (see config.example.yaml)');
  if (opts.sink !== undefined && !names.includes(opts.sink)) throw new UserError(`--sink ${opts.sink}: no such sink (configured: ${names.join(', ')})`);
  const snapshot = await sampleSnapshot();
  const chosen = createAlertSinks(config, ctx.catalog, { oneShot: true, ...(opts.sink !== undefined ? { only: opts.sink } : {}) });
  const appBase = appBaseUrl(config.alerts);
  const firstCamera = Object.keys(config.cameras)[0] ?? 'test';
  const results = await Promise.all(
    chosen.map(async (s): Promise<AlertTestRecord> => {
      const rule = 'rule' in s ? (s as FilteredSink).rule : undefined;
      const target: AlertSink = 'inner' in s ? (s as FilteredSink).inner : s;
      const alert = sampleAlert({
        camera: rule?.cameras?.[0] ?? firstCamera, label: rule?.labels?.[0] ?? config.alerts.on[0] ?? 'person', appBase, nowMs: Date.now(), snapshot,
      });
      const d = rule ? deliveryDecision(rule, alert, Date.now()) : { deliver: true as const };
      const note = d.deliver ? undefined : `${d.reason}: a real alert would be held back now`;
      const t0 = Date.now();
      try {
        const receipt = await target.send(alert);
        const answer = receipt ? ('answer' in receipt ? receipt.answer : `skipped: ${receipt.skipped}`) : 'accepted';
        return { v: 1, kind: 'alert-test', sink: s.name, ok: true, answer: redactText(answer), ms: Date.now() - t0, ...(note ? { note } : {}) };
      } catch (err) {
        return { v: 1, kind: 'alert-test', sink: s.name, ok: false, answer: redactText(errorMessage(err)), ms: Date.now() - t0, ...(note ? { note } : {}) };
      } finally {
        await s.close();
      }
    }),
  );
  for (const r of results) {
    if (opts.json || ctx.machineOutput) await ctx.write(r);
    else process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.sink} (${r.ms} ms): ${r.answer}${r.note ? `\n     note: ${r.note}` : ''}\n`);
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.sink);
  if (failed.length > 0) throw new RuntimeError(`test alert not delivered to ${failed.join(', ')}`);
}
