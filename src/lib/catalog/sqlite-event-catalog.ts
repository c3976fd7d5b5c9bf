import type { Span } from '../time.js';
import type { Db } from './db.js';
import { CursorError, reviewId, type EventCatalog, type EventPage, type EventQuery, type EventSummary, type StoredClip } from './event-catalog.js';
import { cameraEventsOverlapping } from './events.js';
import { reviewedAmong, setReviewed } from './reviews.js';
import { search } from './search.js';
import { gapsOverlapping, lastSegment, segmentsOverlapping } from './segments.js';

/**
 * The EventCatalog of the SQLite catalog. The events list is `cctv search`'s query (search.ts) with a cursor: the
 * start of the last item passed and how many passed items share that start (`<startMs>:<skip>`), counting the items
 * a filter of review marks left out too.
 */
export function sqliteEventCatalog(db: Db): EventCatalog {
  const keyOfUrl = db.prepare('SELECT key FROM uploads WHERE url = ?').pluck();
  const clipByKey = db.prepare('SELECT key, url, poster, camera, start_ms AS startMs FROM uploads WHERE key = ?');
  return {
    listEvents: async (q) => listEvents(db, q, (url) => keyOfUrl.get(url) as string | undefined),
    lastRecording: async (camera) => lastSegment(db, camera) ?? null,
    recordings: async (camera: string, span: Span) => segmentsOverlapping(db, camera, span),
    gaps: async (camera: string, span: Span) => gapsOverlapping(db, camera, span),
    cameraEvents: async (camera: string, span: Span, reviewer?: string) => {
      const events = cameraEventsOverlapping(db, camera, span);
      const marked = reviewer === undefined ? new Set<string>() : reviewedAmong(db, reviewer, events.map((e) => e.id));
      return events.map((e) => ({ ...e, reviewed: marked.has(e.id) }));
    },
    storedClip: async (key) => (clipByKey.get(key) as StoredClip | undefined) ?? null,
    setReviewed: async (user, items, reviewed) => setReviewed(db, user, items, reviewed),
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

/**
 * A page: the search results from the cursor on, walked in batches, less the items the review filter leaves out,
 * until `limit` are kept and one more is known to follow.
 */
function listEvents(db: Db, q: EventQuery, keyOfUrl: (url: string) => string | undefined): EventPage {
  let at = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const batch = q.unreviewed ? Math.max(q.limit + 1, 200) : q.limit + 1;
  const page: { item: EventSummary; pos: Cursor }[] = [];
  for (;;) {
    const skip = at?.skip ?? 0;
    const untilMs = at ? Math.min(q.untilMs ?? Infinity, at.startMs + 1) : q.untilMs;
    const found = search(db, { tags: q.labels, cameras: q.cameras, sinceMs: q.sinceMs, untilMs, limit: skip + batch });
    const from = at;
    const rest = from ? found.filter((m, i) => !(i < skip && m.startMs === from.startMs)) : found;
    const items = rest.map((m): EventSummary => {
      const clipKey = m.clip === null ? null : (keyOfUrl(m.clip) ?? null);
      return {
        eventId: m.eventId, camera: m.camera, startMs: m.startMs, endMs: m.endMs, labels: m.labels, clipKey,
        hasPoster: clipKey !== null && m.poster !== null, reviewed: false,
      };
    });
    if (q.reviewer !== undefined) {
      const marked = reviewedAmong(db, q.reviewer, items.filter((i) => i.eventId !== null || i.clipKey !== null).map(reviewId));
      for (const i of items) i.reviewed = (i.eventId !== null || i.clipKey !== null) && marked.has(reviewId(i));
    }
    for (const item of items) {
      const pos: Cursor = { startMs: item.startMs, skip: at && at.startMs === item.startMs ? at.skip + 1 : 1 };
      at = pos;
      if (q.unreviewed && item.reviewed) continue;
      if (page.length === q.limit) return { events: page.map((p) => p.item), next: encodeCursor(page[page.length - 1]!.pos) };
      page.push({ item, pos });
    }
    if (found.length < skip + batch) return { events: page.map((p) => p.item), next: null };
  }
}
