import type { Db } from './db.js';
import { foundLabels, type EventBasics } from './event-catalog.js';

/**
 * `cctv search` over the catalog. What is searched is an event (events table) or a plain clip (a stored clip with no
 * event, e.g. from a camera's drop folder). A tag is a label seen in it:
 * - a detector label (table detections, best confidence per clip and label), matched when its confidence is at
 *   least `minConfidence`;
 * - a camera AI label (events.labels, e.g. `person` from an ONVIF PeopleDetect topic). Its confidence is unknown, so
 *   it matches only when no `minConfidence` is given.
 * Every query is driven by an index: a tag's rows by (label, start) in event_labels and detections, otherwise events
 * and plain clips by start. Results are newest first; each index is walked newest first and only as far as the
 * limit needs (no sort of every match), so a query without a time range costs about as much as one with.
 */
export interface SearchQuery {
  /** All must match (AND). */
  tags: string[];
  /** Any (OR); empty = every camera. */
  cameras: string[];
  /** Inclusive lower bound of the event's (or plain clip's) start, ms. */
  sinceMs?: number;
  /** Exclusive upper bound of the start, ms. */
  untilMs?: number;
  /** 0..1. With tags: the confidence each tag needs. Without: some detector label must have at least this. */
  minConfidence?: number;
  limit: number;
}

export interface SearchMatch extends EventBasics {
  /** URL of the stored clip (or, with `upload.mode: segment`, the first stored segment); null until uploaded. */
  clip: string | null;
  poster: string | null;
}

/**
 * A clip starts at most this long before its event (pre-roll ≤ 300 s; with `upload.mode: segment` a stored segment
 * ≤ 3600 s): the slack of the index range on detections.start_ms when filtering events by their own start, and of
 * the newest-first walk of detections (a row whose clip starts at s is an event that starts by s + CLIP_LEAD_MS).
 */
const CLIP_LEAD_MS = 2 * 3_600_000;

/** One row of an arm: an event (eid) or a plain clip (clip), its camera and its start t. */
type Hit = { eid: string | null; clip: string | null; camera: string; t: number };

/**
 * One index-driven SELECT yielding (eid, clip, camera, t) newest first by its driving index, without sorting: rows
 * come in descending order of `s` (the indexed start), and an event's t is at most s + `leadMs`.
 */
interface SearchArm {
  /** What it walks (explainSearch names it). */
  name: string;
  sql: string;
  /** Extra parameters of this arm (a camera of a per-camera walk). */
  params?: Record<string, string>;
  leadMs: number;
}

/** Runs a search; see SearchQuery. */
export function search(db: Db, q: SearchQuery): SearchMatch[] {
  const rows = newest(db, searchArms(q), searchParams(q), q.limit);
  const d = details(db);
  return rows.map((r) => (r.eid !== null ? d.event(r.eid, r.camera, r.t) : d.clip(r.clip!, r.camera, r.t)));
}

/**
 * How SQLite runs a search of this shape: for each arm, what it walks and the steps of its EXPLAIN QUERY PLAN (an
 * arm that scans a table or sorts would make a search slow on a big catalog; the tests and benchmarks check this).
 */
export function explainSearch(db: Db, q: Pick<SearchQuery, 'tags' | 'cameras' | 'minConfidence'>): { arm: string; steps: string[] }[] {
  const params = searchParams({ ...q, limit: 1 });
  return searchArms(q).map((a) => ({
    arm: a.name,
    steps: (db.prepare(`EXPLAIN QUERY PLAN ${a.sql}`).all({ ...params, ...a.params }) as { detail: string }[]).map((r) => r.detail),
  }));
}

/** The named parameters of a query's arms. */
function searchParams(q: SearchQuery): Record<string, unknown> {
  return {
    since: Math.floor(q.sinceMs ?? Number.MIN_SAFE_INTEGER),
    sinceLead: Math.floor(q.sinceMs === undefined ? Number.MIN_SAFE_INTEGER : q.sinceMs - CLIP_LEAD_MS),
    until: Math.ceil(q.untilMs ?? Number.MAX_SAFE_INTEGER),
    minc: q.minConfidence ?? 0,
    anyConf: q.minConfidence === undefined ? 1 : 0,
    cameras: JSON.stringify(q.cameras),
    ...Object.fromEntries(q.tags.map((t, i) => [`tag${i}`, t])),
  };
}

/**
 * The `limit` newest distinct rows of the arms together, in the order (t DESC, eid, clip, camera; NULL first) of a
 * SQL `UNION … ORDER BY t DESC`, reading each arm only as far as needed: the arms are walked newest first side by
 * side, and a row is settled once it is newer than anything an arm can still yield (its bound). So a query without
 * a time range reads about `limit` rows per arm instead of every match.
 */
function newest(db: Db, arms: SearchArm[], params: Record<string, unknown>, limit: number): Hit[] {
  if (limit <= 0) return [];
  const BATCH = Math.min(Math.max(limit, 16), 1000);
  const walks = arms.map((a) => ({
    rows: db.prepare(a.sql).raw().iterate({ ...params, ...a.params }) as IterableIterator<[string | null, string | null, string, number, number]>,
    leadMs: a.leadMs,
    /** Every row still to come has t at most this. */
    bound: Number.POSITIVE_INFINITY,
    done: false,
  }));
  const found = new Map<string, Hit>();
  try {
    for (;;) {
      let next: (typeof walks)[number] | undefined;
      for (const w of walks) if (!w.done && (next === undefined || w.bound > next.bound)) next = w;
      if (next === undefined) break;
      for (let i = 0; i < BATCH; i++) {
        const r = next.rows.next();
        if (r.done) {
          next.done = true;
          break;
        }
        const [eid, clip, camera, t, s] = r.value;
        next.bound = s + next.leadMs;
        found.set(`${eid === null ? '' : `e${eid}`}\0${clip === null ? '' : `c${clip}`}\0${camera}\0${t}`, { eid, clip, camera, t });
      }
      let bound = Number.NEGATIVE_INFINITY;
      for (const w of walks) if (!w.done && w.bound > bound) bound = w.bound;
      let settled = 0;
      for (const h of found.values()) if (h.t > bound) settled++;
      if (settled >= limit) break;
    }
  } finally {
    for (const w of walks) w.rows.return?.();
  }
  return [...found.values()].sort(byNewest).slice(0, limit);
}

/** SQLite's order of the compound query: t DESC, then eid, clip, camera ascending (NULL first, text by code point). */
function byNewest(a: Hit, b: Hit): number {
  return b.t - a.t || textOrder(a.eid, b.eid) || textOrder(a.clip, b.clip) || textOrder(a.camera, b.camera);
}

/** NULL first, then BINARY collation (UTF-8 bytes, i.e. code points; JS compares UTF-16 units, which differ above U+D7FF). */
function textOrder(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const codePointRank = (u: number) => (u >= 0xd800 && u <= 0xdfff ? u + 0x2000 : u >= 0xe000 ? u - 0x800 : u);

/**
 * The arms of a query's shape (number of tags, camera filter, confidence filter): index-driven SELECTs of
 * (eid, clip, camera, t, s), each walking its index newest first with no sort (see SearchArm). A tag's arms are
 * driven by (label, start) in event_labels and detections; without tags, events by start (per camera when
 * cameras are given) and plain clips by start.
 */
function searchArms(q: Pick<SearchQuery, 'tags' | 'cameras' | 'minConfidence'>): SearchArm[] {
  const camera = (col: string) => (q.cameras.length > 0 ? ` AND ${col} IN (SELECT value FROM json_each(@cameras))` : '');
  /** Every condition but the arm's driving one, for an arm whose event id / clip URL are these expressions. */
  const rest = (eid: string, clip: string, from: number) => {
    const conds = q.tags.slice(from).map((_, i) => tagMatch(eid, clip, `@tag${from + i}`));
    if (q.tags.length === 0 && q.minConfidence !== undefined) conds.push(anyDetection(eid, clip));
    return conds.map((c) => ` AND (${c})`).join('');
  };
  if (q.tags.length > 0) {
    return [
      { name: 'camera-labels', leadMs: 0, sql: `SELECT e.id, NULL, e.camera, e.start_ms, l.start_ms FROM event_labels l JOIN events e ON e.id = l.event_id
         WHERE @anyConf AND l.label = @tag0 AND l.start_ms >= @since AND l.start_ms < @until${camera('e.camera')}${rest('e.id', 'NULL', 1)}
         ORDER BY l.start_ms DESC` },
      { name: 'event-detections', leadMs: CLIP_LEAD_MS, sql: `SELECT e.id, NULL, e.camera, e.start_ms, d.start_ms FROM detections d JOIN events e ON e.id = d.event_id
         WHERE d.label = @tag0 AND d.confidence >= @minc AND d.start_ms >= @sinceLead AND d.start_ms < @until
           AND e.start_ms >= @since AND e.start_ms < @until${camera('e.camera')}${rest('e.id', 'NULL', 1)}
         ORDER BY d.start_ms DESC` },
      { name: 'plain-clip-detections', leadMs: 0, sql: `SELECT NULL, d.clip_url, d.camera, d.start_ms, d.start_ms FROM detections d
         WHERE d.event_id IS NULL AND d.label = @tag0 AND d.confidence >= @minc AND d.start_ms >= @since AND d.start_ms < @until
           ${camera('d.camera')}${rest('NULL', 'd.clip_url', 1)}
         ORDER BY d.start_ms DESC` },
    ];
  }
  const cameras = [...new Set(q.cameras)];
  const events = (where: string): string => `SELECT e.id, NULL, e.camera, e.start_ms, e.start_ms FROM events e
     WHERE ${where}e.start_ms >= @since AND e.start_ms < @until${rest('e.id', 'NULL', 0)}
     ORDER BY e.start_ms DESC`;
  return [
    // One walk per camera down (camera, start): a camera list would otherwise sort every event of those cameras.
    ...(cameras.length > 0
      ? cameras.map((c) => ({ name: `events of ${c}`, leadMs: 0, params: { camera: c }, sql: events('e.camera = @camera AND ') }))
      : [{ name: 'events', leadMs: 0, sql: events('') }]),
    { name: 'plain-clips', leadMs: 0, sql: `SELECT NULL, u.url, u.camera, u.start_ms, u.start_ms FROM uploads u INDEXED BY uploads_plain_clip_start
       WHERE u.event_id IS NULL AND u.kind = 'clip' AND u.start_ms >= @since AND u.start_ms < @until${camera('u.camera')}${rest('NULL', 'u.url', 0)}
       ORDER BY u.start_ms DESC` },
  ];
}

/** SQL: the event `eid` or the plain clip `clip` (one of them is NULL) has tag `tag`. */
function tagMatch(eid: string, clip: string, tag: string): string {
  return `(${eid} IS NOT NULL AND ((@anyConf AND EXISTS (SELECT 1 FROM event_labels WHERE event_id = ${eid} AND label = ${tag}))
            OR EXISTS (SELECT 1 FROM detections WHERE event_id = ${eid} AND label = ${tag} AND confidence >= @minc)))
       OR (${clip} IS NOT NULL AND EXISTS (SELECT 1 FROM detections WHERE clip_url = ${clip} AND label = ${tag} AND confidence >= @minc))`;
}

/** SQL: some detector label of the event or plain clip has at least @minc. */
function anyDetection(eid: string, clip: string): string {
  return `(${eid} IS NOT NULL AND EXISTS (SELECT 1 FROM detections WHERE event_id = ${eid} AND confidence >= @minc))
       OR (${clip} IS NOT NULL AND EXISTS (SELECT 1 FROM detections WHERE clip_url = ${clip} AND confidence >= @minc))`;
}

/** Labels, clip and poster of one match (a few primary-key or indexed lookups). */
function details(db: Db) {
  const eventRow = db.prepare('SELECT end_ms AS endMs FROM events WHERE id = ?');
  const cameraLabels = db.prepare('SELECT label FROM event_labels WHERE event_id = ?').pluck();
  const eventDetections = db.prepare(
    'SELECT label AS name, MAX(confidence) AS confidence FROM detections WHERE event_id = ? GROUP BY label',
  );
  const eventUpload = db.prepare(
    `SELECT url, poster FROM uploads WHERE event_id = ? ORDER BY kind = 'clip' DESC, start_ms LIMIT 1`,
  );
  const clipDetections = db.prepare('SELECT label AS name, confidence FROM detections WHERE clip_url = ?');
  const clipUpload = db.prepare('SELECT end_ms AS endMs, poster FROM uploads WHERE url = ?');
  return {
    event(id: string, camera: string, startMs: number): SearchMatch {
      const ev = eventRow.get(id) as { endMs: number | null };
      const up = eventUpload.get(id) as { url: string; poster: string | null } | undefined;
      return {
        eventId: id, camera, startMs, endMs: ev.endMs,
        labels: foundLabels(eventDetections.all(id) as { name: string; confidence: number }[], cameraLabels.all(id) as string[]),
        clip: up?.url ?? null, poster: up?.poster ?? null,
      };
    },
    clip(url: string, camera: string, startMs: number): SearchMatch {
      const up = clipUpload.get(url) as { endMs: number; poster: string | null } | undefined;
      return {
        eventId: null, camera, startMs, endMs: up?.endMs ?? null,
        labels: foundLabels(clipDetections.all(url) as { name: string; confidence: number }[], []),
        clip: url, poster: up?.poster ?? null,
      };
    },
  };
}
