import { seenDropFiles } from '../lib/catalog/drop-files.js';
import { openEvents } from '../lib/catalog/events.js';
import { selectCameras } from '../lib/config/cameras.js';
import type { CommandContext } from '../lib/context.js';
import { errorMessage, RuntimeError, UserError } from '../lib/errors.js';
import { checkOnvifConfig, listOnvifTopics } from '../lib/events/onvif.js';
import type { TopicListing } from '../lib/events/onvif/topic-set.js';
import { watchEvents } from '../lib/events/watch.js';

/**
 * `cctv watch-events [--camera NAME]...`: subscribes to each selected camera's ONVIF events, drop folder and software
 * motion source until SIGINT/SIGTERM; writes `event` and `clip` records to stdout. Cameras with none are skipped.
 * `--list-topics` prints instead what each camera advertises (GetEventProperties) and what every topic maps to.
 */
export async function watchEventsCommand(opts: { camera?: string[]; listTopics?: boolean }, ctx: CommandContext): Promise<void> {
  const cameras = Object.fromEntries(
    selectCameras(ctx.config, opts.camera).map(({ name, camera, record }) => [name, { ...camera, transport: record.transport, recording: { dataDir: ctx.config.dataDir, stallSeconds: record.stallSeconds } }]),
  );
  if (opts.listTopics) return listTopics(cameras, ctx);
  await watchEvents({
    cameras,
    events: ctx.config.events,
    signal: ctx.signal,
    emit: (record) => ctx.write(record),
    seen: seenDropFiles(ctx.catalog),
    openEvents: (camera) => openEvents(ctx.catalog, { camera }),
  });
}

/** One line per topic: `camera  topic  [items]  → labels (via vendor)`, unmapped ones flagged for a topicMap. */
export function formatListing(camera: string, rows: readonly TopicListing[]): string[] {
  return rows.map((r) => {
    const items = r.items.length ? ` [${r.items.map((i) => i.name).join(', ')}]` : '';
    const maps =
      r.note === 'unmapped'
        ? `UNMAPPED: add cameras.${camera}.onvif.topicMap."${r.topic}": <label>`
        : r.note === 'non-event' || r.labels.length === 0
          ? 'not an event'
          : `${r.labels.join(', ')} (${r.via === 'vendor' ? r.vendor : r.via})`;
    return `${camera}  ${r.topic}${items}  → ${maps}`;
  });
}

async function listTopics(cameras: Record<string, { onvif?: Parameters<typeof listOnvifTopics>[1] }>, ctx: CommandContext): Promise<void> {
  const names = Object.keys(cameras).filter((n) => cameras[n]!.onvif);
  if (names.length === 0) throw new UserError('no camera has cameras.<name>.onvif configured: no topics to list');
  for (const name of names) checkOnvifConfig(name, cameras[name]!.onvif!);
  let failed = 0;
  for (const name of names) {
    try {
      const rows = await listOnvifTopics(name, cameras[name]!.onvif!, { signal: ctx.signal });
      const lines = rows.length ? formatListing(name, rows) : [`${name}  (the camera advertises no topics)`];
      process.stdout.write(`${lines.join('\n')}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`${name}: cannot list ONVIF topics: ${errorMessage(err)}\n`);
    }
  }
  if (failed > 0) throw new RuntimeError(`${failed} camera${failed > 1 ? 's' : ''} could not be asked for topics`);
}
