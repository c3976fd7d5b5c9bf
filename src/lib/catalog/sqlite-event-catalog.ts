import type { Span } from '../time.js';
import type { Db } from './db.js';
import { CursorError, type EventCatalog, type EventPage, type EventQuery, type StoredClip } from './event-catalog.js';
import { cameraEventsOverlapping } from './events.js';
import { search } from './search.js';
import { gapsOverlapping, lastSegment, segmentsOverlapping } from './segments.js';

/**
 * The EventCatalog of the SQLite catalog. The events list is `cctv search`'s query (search.ts) with a cursor: the
 * start of the last item shown and how many shown items share that start (`<startMs>:<skip>`).
 */
export function sqliteEventCatalog(db: Db): EventCatalog {
  const keyOfUrl = db.prepare('SELECT key FROM uploads WHERE url = ?').pluck();
  const clipByKey = db.prepare('SELECT key, url, poster, camera, start_ms AS startMs FROM uploads WHERE key = ?');
  return {
    listEvents: async (q) => listEvents(db, q, (url) => keyOfUrl.get(url) as string | undefined),
    lastRecording: async (camera) => lastSegment(db, camera) ?? null,
    recordings: async (camera: string, span: Span) => segmentsOverlapping(db, camera, span),
    gaps: async (camera: string, span: Span) => gapsOverlapping(db, camera, span),
    cameraEvents: async (camera: string, span: Span) => cameraEventsOverlapping(db, camera, span),
    storedClip: async (key) => (clipByKey.get(key) as StoredClip | undefined) ?? null,
  };
}

/** A page position: the start of the last item shown, and how many shown items share that start. */
interface Cursor {
  startMs: number;
  skip: number;
}

const encodeCursor = (c: Cursor): string => `${c.startMs}:${c.skip}`;

function decodeCursor(s: string): Cursor {
  const m = /^(\d{1,15}):(\d{1,6})$/.exec(s);
  if (!m) throw new CursorError('not a cursor from a previous page');
  return { startMs: Number(m[1]), skip: Number(m[2]) };
}

function listEvents(db: Db, q: EventQuery, keyOfUrl: (url: string) => string | undefined): EventPage {
  const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const skip = before?.skip ?? 0;
  const untilMs = before ? Math.min(q.untilMs ?? Infinity, before.startMs + 1) : q.untilMs;
  const found = search(db, { tags: q.labels, cameras: q.cameras, sinceMs: q.sinceMs, untilMs, limit: q.limit + skip + 1 });
  const rest = before ? found.filter((m, i) => !(i < skip && m.startMs === before.startMs)) : found;
  const page = rest.slice(0, q.limit);
  const last = page[page.length - 1];
  let next: string | null = null;
  if (rest.length > q.limit && last) {
    const ties = page.filter((m) => m.startMs === last.startMs).length;
    next = encodeCursor({ startMs: last.startMs, skip: ties + (before && last.startMs === before.startMs ? skip : 0) });
  }
  return {
    events: page.map((m) => {
      const clipKey = m.clip === null ? null : (keyOfUrl(m.clip) ?? null);
      return {
        eventId: m.eventId, camera: m.camera, startMs: m.startMs, endMs: m.endMs, labels: m.labels, clipKey,
        hasPoster: clipKey !== null && m.poster !== null,
      };
    }),
    next,
  };
}
