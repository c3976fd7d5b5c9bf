import { statSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../lib/context.js';
import { UserError } from '../lib/errors.js';
import { readRecords, type ReadItem } from '../lib/pipeline/ndjson.js';
import { storageFromConfig } from '../lib/storage/index.js';
import { Uploader } from '../lib/upload/uploader.js';

/**
 * `cctv upload [--camera NAME] [FILE]...`: stores event clips cut from the recordings (event records on stdin), camera
 * clips (clip records) and FILEs, and emits `uploaded` records. Every record it does not act on passes through, and
 * so do `event` records (analyze starts live analysis at an event's start).
 * With stdin at end (a cron job: `cctv upload < /dev/null`) it drains the outbox and exits.
 */
export async function upload(opts: { camera?: string }, ctx: CommandContext, files: string[]): Promise<void> {
  const { config } = ctx;
  const storage = storageFromConfig(config);
  const write = async (r: Parameters<CommandContext['write']>[0]) => {
    if (ctx.machineOutput) await ctx.write(r);
  };
  const uploader = new Uploader({ db: ctx.catalog, config, storage, emit: write });

  files.forEach((file, i) => uploader.accept(fileItem(file, i + 1, fileCamera(opts.camera, ctx)), 'arguments'));

  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const input = process.stdin.isTTY
    ? Promise.resolve()
    : (async () => {
        for await (const item of readRecords(process.stdin, { strict: ctx.strict })) {
          // Event records of configured cameras go on to analyze too (live analysis starts at an event's start); the rest it
          // acts on (and events it refuses) stay here.
          const acted = uploader.accept(item);
          const liveEvent = item.known && item.record.kind === 'event' && ctx.config.cameras[item.record.camera] !== undefined;
          if (!acted || liveEvent) await write(item.record);
        }
      })();
  input.catch(() => stop.abort());

  const closeView = process.stderr.isTTY ? (await import('../ui/upload-view.js')).showUploadView(uploader.stats) : undefined;
  try {
    await uploader.run(signal, input.catch(() => {}));
  } finally {
    closeView?.();
  }
  await input; // rethrows a --strict input error
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
