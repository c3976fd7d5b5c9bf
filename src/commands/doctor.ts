import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, statfsSync } from 'node:fs';
import { stringify } from 'yaml';
import { sinkNames } from '../lib/alerts/index.js';
import { webhookAdvice } from '../lib/alerts/webhook.js';
import { redactedConfig } from '../lib/config/load.js';
import type { CommandContext } from '../lib/context.js';
import { errorMessage, RuntimeError } from '../lib/errors.js';
import { BROWSER_CODECS } from '../lib/ffmpeg/args.js';
import { measureKeyframeInterval, probeStream } from '../lib/ffmpeg/probe.js';
import { FFMPEG, FFPROBE } from '../lib/ffmpeg/run.js';
import { redactText, redactUrl } from '../lib/redact.js';
import { storageFromConfig } from '../lib/storage/index.js';
import { describeStuck, stuckWork } from '../lib/catalog/outbox.js';
import { monotonicMs } from '../lib/time.js';

type Level = 'ok' | 'warn' | 'fail';
interface Check {
  level: Level;
  what: string;
  detail: string;
}

/** `cctv doctor`: a report of everything cctv depends on, with the fix in words; exit 1 when something fails. */
export async function doctor(opts: { json?: boolean }, ctx: CommandContext): Promise<void> {
  const checks: Check[] = [];
  const add = (level: Level, what: string, detail: string) => checks.push({ level, what, detail });

  for (const [name, bin] of [['ffmpeg', FFMPEG], ['ffprobe', FFPROBE]] as const) {
    try {
      const v = execFileSync(bin, ['-version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
      add('ok', name, v.replace(/ Copyright.*/, ''));
    } catch {
      add('fail', name, `not found: install it (apt-get install ffmpeg) or set $${name.toUpperCase()}_PATH`);
    }
  }
  add('ok', 'config', ctx.configPath ?? 'no file found: built-in defaults');
  // Every command needs the variables of the keys it reads; doctor names them all.
  for (const u of ctx.unset) add('fail', 'environment', u.message);

  const { dataDir } = ctx.config;
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
    const fs = statfsSync(dataDir);
    const freeGb = (fs.bavail * fs.bsize) / 1e9;
    const level = freeGb < ctx.config.retention.minFreeGb ? 'fail' : 'ok';
    add(level, 'data folder', `${dataDir} writable, ${freeGb.toFixed(1)} GB free${level === 'fail' ? ` (below retention.minFreeGb: run cctv prune or add disk)` : ''}`);
  } catch (err) {
    add('fail', 'data folder', `${dataDir}: ${errorMessage(err)} (fix the permissions or set dataDir)`);
  }

  for (const [name, cam] of Object.entries(ctx.config.cameras)) {
    if (!cam.enabled) {
      add('ok', `camera ${name}`, 'disabled');
      continue;
    }
    const segmentSeconds = cam.record?.segmentSeconds ?? ctx.config.record.segmentSeconds;
    try {
      const s = await probeStream(cam.url);
      const notes: string[] = [];
      let level: Level = 'ok';
      if (!BROWSER_CODECS.has(s.codec)) {
        level = 'warn';
        notes.push(`${s.codec} does not play in browsers: clips will be transcoded (set the camera to H.264 to avoid it)`);
      }
      const watch = Math.min(segmentSeconds + 2, 30);
      const keyframes = s.keyframeInterval ?? (await measureKeyframeInterval(cam.url, watch));
      if (keyframes === null || keyframes > segmentSeconds) {
        level = 'warn';
        const seen = keyframes === null ? `keyframes more than ${watch}s apart` : `keyframes every ${keyframes}s`;
        notes.push(`${seen}, longer than a ${segmentSeconds}s segment: shorten the camera's GOP/I-frame interval`);
      }
      const gop = keyframes === null ? `no keyframe within ${watch}s` : `keyframe every ${keyframes}s`;
      add(level, `camera ${name}`, [`${s.codec} ${s.width}x${s.height} ${s.fps} fps, ${gop}`, ...notes].join('; '));
    } catch (err) {
      add('fail', `camera ${name}`, `${redactUrl(cam.url)}: ${errorMessage(err)} (check the address, port, path and credentials)`);
    }
  }

  // Storage: a tiny object written where clips go (the uploader may write only there), integrity-checked by put().
  const storage = ctx.config.storage.url!;
  try {
    const started = monotonicMs();
    const put = await storageFromConfig(ctx.config).put('clips/cctv-doctor.txt', { body: Buffer.from(`cctv doctor ${new Date().toISOString()}\n`) }, { contentType: 'text/plain' });
    add('ok', 'storage', `${redactUrl(storage)} writable (${put.url}, ${Math.round(monotonicMs() - started)} ms)`);
  } catch (err) {
    add('fail', 'storage', `${redactUrl(storage)}: ${errorMessage(err)} (check storage.url, the credentials and the endpoint)`);
  }

  // Recordings under recordings/: upload.continuous and upload.mode segment store them (the shipped Terraform lets the
  // uploader write there only with allow_recording_uploads = true).
  const { upload } = ctx.config;
  if (upload.continuous || upload.mode === 'segment') {
    const why = upload.continuous ? 'upload.continuous' : 'upload.mode: segment';
    try {
      await storageFromConfig(ctx.config).put('recordings/cctv-doctor.txt', { body: Buffer.from('cctv doctor\n') }, { contentType: 'text/plain' });
      add('ok', 'storage', `${why}: recordings/ writable`);
    } catch (err) {
      add('fail', 'storage', `${why} stores whole recordings under recordings/, and the storage refuses them (${errorMessage(err)}): ` +
        'every segment would fail and stay on disk; with the shipped Terraform set allow_recording_uploads = true, or turn the option off');
    }
  }

  // Upload work that does not move: it keeps recordings on disk until emergency pruning gives it up.
  const stuck = stuckWork(ctx.catalog);
  if (stuck.failed + stuck.retrying + stuck.abandoned > 0) {
    const e = stuck.examples[0];
    add('warn', 'upload work', `${describeStuck(stuck)}${e ? `; latest: ${e.key} (${e.state}): ${e.error ?? 'no error recorded'}` : ''} ` +
      '(fix the cause, e.g. storage permissions, then run cctv upload; abandoned work is not retried)');
  }

  const a = ctx.config.alerts;
  const sinks = sinkNames(ctx.config);
  const advice = [a.webhook, ...a.sinks.filter((x) => x.type === 'webhook')].flatMap((w) => {
    const text = w ? webhookAdvice(w.url, w.body) : null;
    return text ? [text] : [];
  });
  if (advice.length > 0) add('warn', 'alerts', advice.join('; '));
  else add('ok', 'alerts', sinks.length > 0 ? `sinks ${sinks.join(', ')} (\`cctv alert test\` sends a test alert through them)` : 'no alert sinks configured');

  const failed = checks.filter((c) => c.level === 'fail').length;
  if (opts.json) {
    process.stdout.write(redactText(`${JSON.stringify({ ok: failed === 0, checks, config: redactedConfig(ctx.config) })}\n`));
  } else {
    const mark: Record<Level, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
    const lines = checks.map((c) => `${mark[c.level]}  ${c.what.padEnd(16)} ${c.detail}`);
    process.stdout.write(redactText(`${lines.join('\n')}\n\nresolved configuration (secrets redacted):\n${stringify(redactedConfig(ctx.config))}`));
  }
  if (failed > 0) throw new RuntimeError(`${failed} check${failed > 1 ? 's' : ''} failed (see FAIL above)`);
}
