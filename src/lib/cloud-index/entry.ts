import type { IndexEntry } from '../catalog/dynamodb/catalog.js';
import type { ClipKey } from '../sites.js';

/**
 * Pure: the catalog entry of a stored manifest (`<site>/clips/…/<id>.json`, written by `cctv upload`, rewritten with
 * labels by `cctv analyze` and the analyze hook). The manifest is the truth the cloud index is rebuilt from:
 * - an event clip: the event's start, end and camera labels from `event` (the `end` record), its clip key beside the
 *   manifest, `url` and `poster`; a plain clip (a camera's own file, `eventId` null): the window's start and end;
 * - detector labels (best confidence per name) once an analysis is recorded in it (`analyzedAt`, `detector`, `labels`
 *   as objects); before that, `labels` are the camera's strings and count as camera labels only.
 * A manifest without what an entry needs gives `{ problem }` (logged and skipped: another try would not help).
 */
export function entryOfManifest(manifest: unknown, key: ClipKey): { entry: IndexEntry } | { problem: string } {
  if (!isObject(manifest)) return { problem: 'not a JSON object' };
  const camera = typeof manifest.camera === 'string' ? manifest.camera : key.camera;
  const eventId = typeof manifest.eventId === 'string' ? manifest.eventId : null;
  const event = isObject(manifest.event) ? manifest.event : null;
  const window = isObject(manifest.window) ? manifest.window : null;
  const windowStart = time(window?.start);
  const windowEnd = time(window?.end);
  const startMs = eventId !== null ? time(event?.start) : windowStart;
  if (startMs === null) return { problem: eventId !== null ? 'no event.start' : 'no window.start' };
  if (typeof manifest.url !== 'string') return { problem: 'no url' };
  const analysed = typeof manifest.analyzedAt === 'string' && typeof manifest.detector === 'string' && Array.isArray(manifest.labels);
  const best = new Map<string, number>();
  if (analysed) {
    for (const l of manifest.labels as unknown[]) {
      if (isObject(l) && typeof l.name === 'string' && typeof l.confidence === 'number') best.set(l.name, Math.max(l.confidence, best.get(l.name) ?? 0));
    }
  }
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    entry: {
      eventId,
      camera,
      startMs,
      endMs: eventId !== null ? time(event?.end) : windowEnd,
      cameraLabels: eventId !== null ? [...new Set(strings(event?.labels))] : [],
      detected: [...best].map(([name, confidence]) => ({ name, confidence })),
      clip: {
        key: key.siteKey.replace(/\.json$/, '.mp4'),
        url: manifest.url,
        poster: typeof manifest.poster === 'string' ? manifest.poster : null,
        startMs: windowStart ?? startMs,
      },
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function time(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}
