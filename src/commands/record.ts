import { selectCameras } from '../lib/config/cameras.js';
import type { CommandContext } from '../lib/context.js';
import { PipeClosedError } from '../lib/pipeline/ndjson.js';
import { CameraRecorder } from '../lib/record/recorder.js';
import { recoverCamera } from '../lib/record/recover.js';
import { toSegmentRecord, type ClosedSegment } from '../lib/record/segment.js';

/** `cctv record [--camera NAME]...`: records until SIGINT/SIGTERM, then finalises every open segment. */
export async function record(opts: { camera?: string[] }, ctx: CommandContext): Promise<void> {
  const cameras = selectCameras(ctx.config, opts.camera);
  const emit = async (s: ClosedSegment) => {
    // A closed stdout stops the command (cli.ts); the segment is in the catalog all the same.
    if (ctx.machineOutput) await ctx.write(toSegmentRecord(s)).catch((err: unknown) => { if (!(err instanceof PipeClosedError)) throw err; });
  };
  for (const { name } of cameras) {
    for (const s of await recoverCamera(ctx.catalog, ctx.config.dataDir, name)) await emit(s);
  }
  const recorders = cameras.map(
    ({ name, camera, record: rec }) =>
      new CameraRecorder({ camera: name, url: camera.url, record: rec, dataDir: ctx.config.dataDir, db: ctx.catalog, onSegment: emit }),
  );
  const closeView = process.stderr.isTTY
    ? (await import('../ui/record-view.js')).showRecordView(() => recorders.map((r) => r.status))
    : undefined;
  try {
    await Promise.all(recorders.map((r) => r.run(ctx.signal)));
  } finally {
    closeView?.();
  }
}
