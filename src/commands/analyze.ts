import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAlerter, type Alerter } from '../lib/alerts/index.js';
import { Analyzer, type ClipInput } from '../lib/analyze/analyzer.js';
import { AnalysisQueue } from '../lib/analyze/queue.js';
import { findUpload } from '../lib/catalog/uploads.js';
import type { CommandContext } from '../lib/context.js';
import { RuntimeError, UserError, errorMessage } from '../lib/errors.js';
import { probeVideo } from '../lib/ffmpeg/frames.js';
import { log } from '../lib/log.js';
import { PipeClosedError, readRecords, stdinIsEmptyByNature, type ReadItem } from '../lib/pipeline/ndjson.js';
import { storageFromConfig, type Storage } from '../lib/storage/index.js';

/**
 * `cctv analyze [--camera NAME] [FILE|URL]...`: runs the detector on each clip of an `uploaded` record on stdin (the
 * record passes through, then its `analyzed` record follows) and on each FILE or URL argument, and alerts. Every other
 * record passes through unchanged. A URL of the configured storage that `cctv upload` stored is analysed as that
 * upload (its event, poster, manifest); anything else is a plain clip (eventId null) of --camera. Without FILE
 * arguments it also works the catalog's analysis queue (analyses of killed runs, of records that never arrived), and
 * with no input at all (`cctv analyze < /dev/null`) it drains that queue and exits. A clip that cannot be analysed
 * is logged and skipped; the exit code is then 1. Alerts still in delivery are awaited before exit (bounded by
 * alerts.maxAttempts; after SIGINT/SIGTERM by a few seconds: the next run delivers the rest).
 */
export async function analyze(opts: { camera?: string }, ctx: CommandContext, args: string[]): Promise<void> {
  const { config } = ctx;
  const storage = storageFromConfig(config);
  const alerter = createAlerter(ctx.catalog, config, { storage });
  const analyzer = new Analyzer({ db: ctx.catalog, config, storage, alerter });
  const write = async (r: Parameters<CommandContext['write']>[0]) => {
    if (ctx.machineOutput) await ctx.write(r);
  };
  let failed = 0;
  try {
    for (const arg of args) {
      const clip = await argumentClip(arg, opts.camera, ctx, storage);
      try {
        const record = await analyzer.analyze(clip);
        log.info({ url: record.url, frames: record.frames, labels: record.labels.map((l) => l.name), alert: record.alert }, 'analyzed');
        await write(record);
      } catch (err) {
        if (err instanceof UserError || err instanceof PipeClosedError) throw err;
        failed++;
        log.error({ url: clip.url, err: errorMessage(err) }, 'clip not analysed');
      }
    }
    const hasInput = !process.stdin.isTTY && !stdinIsEmptyByNature();
    if (args.length === 0 || hasInput) {
      const queue = new AnalysisQueue({ db: ctx.catalog, analyzer, emit: write });
      const input = hasInput ? readInput(ctx, queue, alerter, write) : Promise.resolve();
      await queue.run(ctx.signal, input.catch(() => {}));
      if (ctx.signal.aborted) process.stdin.destroy(); // nothing more is read; an open pipe must not keep the process
      await input;
      failed += queue.failed;
    }
  } finally {
    await analyzer.close();
    await alerter.close(ctx.signal.aborted ? STOP_GRACE_MS : undefined);
  }
  if (failed > 0) throw new RuntimeError(`${failed} clip(s) could not be analysed (see the log above)`);
}

/** After SIGINT/SIGTERM, how long alerts in delivery get before the process goes (the next run re-drives them). */
const STOP_GRACE_MS = 5000;

/** Passes every input record through; `uploaded` records are analysed (through the queue), `event` ends told to the sinks. */
async function readInput(ctx: CommandContext, queue: AnalysisQueue, alerter: Alerter, write: (r: ReadItem['record']) => Promise<void>): Promise<void> {
  for await (const item of readRecords(process.stdin, { strict: ctx.strict, signal: ctx.signal })) {
    await write(item.record);
    if (item.known && item.record.kind === 'uploaded') await queue.offer(item.record);
    // The hook that lets Home Assistant's occupancy sensors go OFF at the event's end (else after a timeout).
    if (item.known && item.record.kind === 'event' && item.record.state === 'end') alerter.eventEnded(item.record.camera, item.record.id, item.record.end ?? item.record.at);
  }
}

/** A FILE or URL argument as a clip: the stored upload it names, or a plain clip of `camera` ending now (URL) or at its mtime (file). */
async function argumentClip(arg: string, camera: string | undefined, ctx: CommandContext, storage: Storage): Promise<ClipInput> {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(arg);
  let url = arg;
  let endMs = Date.now();
  if (!isUrl) {
    const abs = path.resolve(arg);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new UserError(`${arg}: no such file`);
    url = pathToFileURL(abs).href;
    endMs = st.mtimeMs;
  }
  let key: string | undefined;
  try {
    key = storage.keyFromUrl(url);
  } catch {
    // not in the configured storage: a plain clip
  }
  const stored = key === undefined ? undefined : findUpload(ctx.catalog, key);
  if (stored) {
    return { eventId: stored.eventId, camera: stored.camera, start: new Date(stored.startMs).toISOString(), url: stored.url, poster: stored.poster };
  }
  const { durationSeconds } = await probeVideo(isUrl ? arg : path.resolve(arg));
  return { eventId: null, camera: clipCamera(camera, ctx), start: new Date(endMs - durationSeconds * 1000).toISOString(), url, poster: null };
}

/** The camera plain clips belong to: --camera, or the only configured camera. */
function clipCamera(camera: string | undefined, ctx: CommandContext): string {
  const all = Object.keys(ctx.config.cameras);
  if (camera !== undefined) return camera;
  if (all.length !== 1) throw new UserError(`FILE or URL given: name its camera with --camera (configured: ${all.join(', ') || 'none'})`);
  return all[0]!;
}
