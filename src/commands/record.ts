import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setBusyTimeout, type Db } from '../lib/catalog/db.js';
import { describeStuck, stuckWork } from '../lib/catalog/outbox.js';
import { lockCameraRecorder, type CameraLock } from '../lib/catalog/locks.js';
import { CatalogWriteQueue } from '../lib/catalog/write-queue.js';
import { selectCameras } from '../lib/config/cameras.js';
import type { CommandContext } from '../lib/context.js';
import { log } from '../lib/log.js';
import { PipeClosedError } from '../lib/pipeline/ndjson.js';
import { CameraRecorder } from '../lib/record/recorder.js';
import { recoverCamera } from '../lib/record/recover.js';
import { toSegmentRecord, type ClosedSegment } from '../lib/record/segment.js';

/**
 * How long one catalog write of `record` waits for another process's write lock before it is kept and retried
 * (CatalogWriteQueue): short, so a held lock never stalls the event loop (ffmpeg's output, the stall watchdog).
 */
const RECORD_BUSY_TIMEOUT_MS = 100;
/** At exit, how long rows the catalog could not take yet are waited for. */
const EXIT_DRAIN_MS = 10_000;

/** `cctv record [--camera NAME]...`: records until SIGINT/SIGTERM, then finalises every open segment. */
export async function record(opts: { camera?: string[] }, ctx: CommandContext): Promise<void> {
  const cameras = selectCameras(ctx.config, opts.camera);
  // One recorder per camera: a second one would close the first's open segment and write the same file names.
  const locks: CameraLock[] = [];
  try {
    for (const { name } of cameras) locks.push(lockCameraRecorder(ctx.config.dataDir, name));
  } catch (err) {
    for (const l of locks) l.release();
    throw err;
  }
  try {
    await recordLocked(cameras, ctx);
  } finally {
    for (const l of locks) l.release();
  }
}

async function recordLocked(cameras: ReturnType<typeof selectCameras>, ctx: CommandContext): Promise<void> {
  const db = ctx.catalog;
  setBusyTimeout(db, RECORD_BUSY_TIMEOUT_MS);
  const writes = new CatalogWriteQueue();
  const emit = async (s: ClosedSegment) => {
    // A closed stdout stops the command (cli.ts); the segment is in the catalog all the same.
    if (ctx.machineOutput) await ctx.write(toSegmentRecord(s)).catch((err: unknown) => { if (!(err instanceof PipeClosedError)) throw err; });
  };
  const stopMonitor = watchEventLoop();
  try {
    for (const { name } of cameras) {
      for (const s of await recoverCamera(db, ctx.config.dataDir, name, writes.write)) await emit(s);
    }
    const recorders = cameras.map(
      ({ name, camera, record: rec }) =>
        new CameraRecorder({ camera: name, url: camera.url, record: rec, dataDir: ctx.config.dataDir, db, write: writes.write, onSegment: emit }),
    );
    const closeView = process.stderr.isTTY
      ? (await import('../ui/record-view.js')).showRecordView(() => recorders.map((r) => r.status), statusNotice(db, writes, ctx.signal))
      : undefined;
    try {
      await Promise.all(recorders.map((r) => r.run(ctx.signal)));
    } finally {
      closeView?.();
    }
  } finally {
    await writes.drain(EXIT_DRAIN_MS);
    stopMonitor();
  }
}

/**
 * The status view's notice: upload work that does not move (it pins recordings until emergency pruning gives it up;
 * read every 30 s) and rows waiting for the catalog.
 */
function statusNotice(db: Db, writes: CatalogWriteQueue, signal: AbortSignal): () => string | null {
  let stuck = '';
  const read = () => {
    try {
      const s = describeStuck(stuckWork(db));
      stuck = s ? `upload work stuck: ${s} (cctv doctor says more)` : '';
    } catch {
      // the catalog is busy: keep the last answer
    }
  };
  read();
  const t = setInterval(read, 30_000);
  t.unref();
  signal.addEventListener('abort', () => clearInterval(t), { once: true });
  return () => [stuck, writes.backlog > 0 ? `catalog not writable: ${writes.backlog} rows waiting` : ''].filter(Boolean).join('; ') || null;
}

/** Logs (debug) the event loop's delay every 5 s: a stalled loop is what would make the watchdog restart ffmpeg. */
function watchEventLoop(): () => void {
  const h = monitorEventLoopDelay({ resolution: 20 });
  h.enable();
  const t = setInterval(() => {
    log.debug({ maxMs: Math.round(h.max / 1e6), p99Ms: Math.round(h.percentile(99) / 1e6) }, 'event loop delay');
    h.reset();
  }, 5000);
  t.unref();
  return () => {
    clearInterval(t);
    h.disable();
  };
}
