import { selectCameras } from '../lib/config/cameras.js';
import type { CommandContext } from '../lib/context.js';
import { catalogSeenFiles } from '../lib/events/drop-dir.js';
import { watchEvents } from '../lib/events/watch.js';

/**
 * `cctv watch-events [--camera NAME]...`: subscribes to each selected camera's ONVIF events and drop folder until
 * SIGINT/SIGTERM; writes `event` and `clip` records to stdout. Cameras without `onvif` or `dropDir` are skipped.
 */
export async function watchEventsCommand(opts: { camera?: string[] }, ctx: CommandContext): Promise<void> {
  const cameras = Object.fromEntries(selectCameras(ctx.config, opts.camera).map(({ name, camera }) => [name, camera]));
  await watchEvents({
    cameras,
    events: ctx.config.events,
    signal: ctx.signal,
    emit: (record) => ctx.write(record),
    seen: catalogSeenFiles(ctx.catalog),
  });
}
