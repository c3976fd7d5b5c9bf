import { statSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../lib/context.js';
import { RuntimeError, UserError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { readRecords, stdinIsEmptyByNature, type ReadItem } from '../lib/pipeline/ndjson.js';
import { storageFromConfig } from '../lib/storage/index.js';
import { Uploader, type RunOutcome } from '../lib/upload/uploader.js';

/**
 * `cctv upload [--camera NAME] [FILE]...`: stores event clips cut from the recordings (event records on stdin), camera
 * clips (clip records) and FILEs, and emits `uploaded` records. Every record it does not act on passes through.
 * With no input (`cctv upload < /dev/null`, from cron) it drains the outbox and exits; one drain runs at a time.
 * SIGINT/SIGTERM: stops reading, gives work in flight a moment, leaves the rest queued, exits 0.
 */
export async function upload(opts: { camera?: string }, ctx: CommandContext, files: string[]): Promise<void> {
  const { config } = ctx;
  const storage = storageFromConfig(config);
  const write = async (r: Parameters<CommandContext['write']>[0]) => {
    if (ctx.machineOutput) await ctx.write(r);
  };
  const noInput = process.stdin.isTTY || stdinIsEmptyByNature();
  const uploader = new Uploader({ db: ctx.catalog, config, storage, emit: write, drain: noInput && files.length === 0 });

  files.forEach((file, i) => uploader.accept(fileItem(file, i + 1, fileCamera(opts.camera, ctx)), 'arguments'));

  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const input = noInput
    ? Promise.resolve()
    : (async () => {
        // SIGINT/SIGTERM stop the reading too (a service manager stopping a pipeline stage whose input is still open).
        for await (const item of readRecords(process.stdin, { strict: ctx.strict, signal: ctx.signal })) {
          if (!uploader.accept(item)) await write(item.record);
        }
      })();
  input.catch(() => stop.abort());

  const closeView = process.stderr.isTTY ? (await import('../ui/upload-view.js')).showUploadView(uploader.stats) : undefined;
  let outcome: RunOutcome;
  try {
    outcome = await uploader.run(signal, input.catch(() => {}));
  } finally {
    closeView?.();
  }
  if (ctx.signal.aborted) process.stdin.destroy(); // nothing more is read; an open pipe must not keep the process
  await input; // rethrows a --strict input error
  report(outcome);
}

/** Says what a run left in the outbox; a storage outage that ended a drain is a failure (exit 1). */
function report(outcome: RunOutcome): void {
  if (outcome === null) return;
  const items = `${outcome.left} item${outcome.left === 1 ? '' : 's'} left queued for the next run`;
  switch (outcome.why) {
    case 'another-drain': {
      const h = outcome.holder;
      log.info({ pid: h.pid, host: h.host, since: new Date(h.startedMs).toISOString() },
        `another cctv upload is draining the outbox (pid ${h.pid} on ${h.host}, since ${new Date(h.startedMs).toISOString()}): ${items}`);
      return;
    }
    case 'stopped':
    case 'pipe':
      log.info(`stopped: ${items}`);
      return;
    case 'storage':
      throw new RuntimeError(
        `storage failing since ${new Date(outcome.sinceMs).toISOString()}${outcome.lastError ? ` (${outcome.lastError})` : ''}: ${items}`,
      );
  }
}

/** The camera FILE arguments belong to: --camera, or the only configured camera. */
function fileCamera(camera: string | undefined, ctx: CommandContext): string {
  const all = Object.keys(ctx.config.cameras);
  if (camera !== undefined) {
    if (!ctx.config.cameras[camera]) throw new UserError(`--camera ${camera}: no such camera in the configuration (configured: ${all.join(', ') || 'none'})`);
    return camera;
  }
  if (all.length !== 1) throw new UserError(`files given: name their camera with --camera (configured: ${all.join(', ') || 'none'})`);
  return all[0]!;
}

/** A FILE argument as the `clip` record a drop folder would give (`at` = its modification time). */
function fileItem(file: string, line: number, camera: string): ReadItem {
  const abs = path.resolve(file);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new UserError(`${file}: no such file`);
  return { known: true, line, record: { v: 1, kind: 'clip', camera, path: abs, at: st.mtime.toISOString() } };
}
