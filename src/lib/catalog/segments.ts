import type { Span } from '../time.js';
import type { Db } from './db.js';

/**
 * The recordings (table `segments`) and the recorder's outages (table `gaps`). Every query of them is here, once.
 */

export interface SegmentRow {
  camera: string;
  /** Relative to dataDir: recordings/<camera>/<YYYY-MM-DD>/<HHMMSS>.<ext> */
  path: string;
  startMs: number;
  /** For an open segment: the last known end (it grows). */
  endMs: number;
  bytes: number;
  /** false while ffmpeg is still writing the file. */
  closed: boolean;
}

export interface GapRow {
  camera: string;
  fromMs: number;
  toMs: number;
  reason: string;
}

/**
 * Catalogues a segment, open or closed; the same path again updates it (an open segment grows, then closes).
 * A closed segment is never reopened.
 */
export function upsertSegment(db: Db, s: SegmentRow): void {
  db.prepare(
    `INSERT INTO segments (camera, path, start_ms, end_ms, bytes, closed, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(path) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms, bytes = excluded.bytes,
       closed = excluded.closed
     WHERE segments.closed = 0`,
  ).run(s.camera, s.path, Math.round(s.startMs), Math.round(s.endMs), s.bytes, s.closed ? 1 : 0, Date.now());
}

/** Moves the end of a segment that is still being written (no effect once it is closed). */
export function growSegment(db: Db, path: string, endMs: number, bytes: number): void {
  db.prepare('UPDATE segments SET end_ms = max(end_ms, ?), bytes = ? WHERE path = ? AND closed = 0').run(endMs, bytes, path);
}

/** The start of a catalogued segment (open or closed), or undefined when the catalog does not know the path. */
export function segmentStartMs(db: Db, path: string): number | undefined {
  return db.prepare('SELECT start_ms FROM segments WHERE path = ?').pluck().get(path) as number | undefined;
}

/** Whether `path` is catalogued as a closed segment (false for an open one, and for one the catalog does not know). */
export function isClosedSegment(db: Db, path: string): boolean {
  return db.prepare('SELECT closed FROM segments WHERE path = ?').pluck().get(path) === 1;
}

/** Removes the row of a segment that is still open (a file with nothing decodable in it); a closed one stays. */
export function forgetOpenSegment(db: Db, path: string): void {
  db.prepare('DELETE FROM segments WHERE path = ? AND closed = 0').run(path);
}

/** Removes a segment's row, open or closed (retention: callers check first, in the same transaction). */
export function deleteSegment(db: Db, path: string): void {
  db.prepare('DELETE FROM segments WHERE path = ?').run(path);
}

export function addGap(db: Db, g: GapRow): void {
  db.prepare('INSERT INTO gaps (camera, from_ms, to_ms, reason) VALUES (?, ?, ?, ?)').run(
    g.camera, Math.round(g.fromMs), Math.round(g.toMs), g.reason,
  );
}

/**
 * Retention of the gaps: a camera's gaps that ended before its oldest kept recording (`oldestKept`, per camera),
 * and, for cameras with no recording left, those that ended before `ageCutoffMs` (null: none of those). Returns how many.
 */
export function pruneGaps(db: Db, oldestKept: Record<string, number>, ageCutoffMs: number | null): number {
  const before = db.prepare('DELETE FROM gaps WHERE camera = ? AND to_ms <= ?');
  let n = 0;
  for (const [camera, ms] of Object.entries(oldestKept)) n += before.run(camera, ms).changes;
  if (ageCutoffMs !== null) {
    n += db.prepare('DELETE FROM gaps WHERE to_ms < ? AND camera NOT IN (SELECT DISTINCT camera FROM segments)').run(ageCutoffMs).changes;
  }
  return n;
}

/** Every catalogued path of a camera, with whether it is closed. */
export function segmentPaths(db: Db, camera: string): Map<string, boolean> {
  const rows = db.prepare('SELECT path, closed FROM segments WHERE camera = ?').all(camera) as { path: string; closed: number }[];
  return new Map(rows.map((r) => [r.path, r.closed === 1]));
}

/** The newest segment of a camera (by start; the open one while recording), or undefined. */
export function lastSegment(db: Db, camera: string): SegmentRow | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM segments WHERE camera = ? ORDER BY start_ms DESC LIMIT 1`).get(camera);
  return row ? toSegment(row as RawSegment) : undefined;
}

/**
 * The segments of a camera overlapping `span`, oldest first, the open one included: a segment still being written
 * counts from its start whatever its catalogued end (that end is only where it was when last seen, so callers that
 * need to know how far it reaches look at its file).
 */
export function segmentsOverlapping(db: Db, camera: string, span: Span): SegmentRow[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM segments WHERE camera = ? AND start_ms < ? AND (end_ms > ? OR closed = 0) ORDER BY start_ms`)
    .all(camera, span.toMs, span.fromMs) as RawSegment[];
  return rows.map(toSegment);
}

/** The gaps of a camera overlapping `span`, oldest first. */
export function gapsOverlapping(db: Db, camera: string, span: Span): GapRow[] {
  return db
    .prepare(
      `SELECT camera, from_ms AS fromMs, to_ms AS toMs, reason FROM gaps
       WHERE camera = ? AND from_ms < ? AND to_ms > ? ORDER BY from_ms`,
    )
    .all(camera, span.toMs, span.fromMs) as GapRow[];
}

/** Rows per read of allSegments (bounded strings and memory whatever the catalog's size). */
const READ_CHUNK = 100_000;

/**
 * Every catalogued segment, oldest first (by start, then id): what retention plans over. Read a column at a time:
 * each chunk of rows comes back as one JSON array per column, built by SQLite in one pass over the table in id
 * order, so a million segments cost a few JSON.parse calls instead of a million row objects crossing from SQLite.
 * Paths come newline-joined (a faster parse), or as JSON in the unlikely case that one holds a newline. The chunks
 * are read in one transaction (one snapshot while `record` writes). Ids follow the recorder's order, so the rows are
 * nearly always in start order already; otherwise a stable sort by start puts them there (ties stay in id order).
 */
export function allSegments(db: Db, chunkRows = READ_CHUNK): SegmentRow[] {
  const size = Math.max(1, Math.floor(chunkRows));
  const chunk = (json: boolean) => db.prepare(
    `SELECT count(*), max(id), ${json ? 'json_group_array(path)' : 'group_concat(path, char(10))'}, json_group_array(camera),
       json_group_array(start_ms), json_group_array(end_ms), json_group_array(bytes), json_group_array(closed)
     FROM (SELECT id, camera, path, start_ms, end_ms, bytes, closed FROM segments WHERE id > ? ORDER BY id LIMIT ${size})`,
  ).raw();
  type Row = [number, number | null, string | null, string, string, string, string, string];
  const joined = chunk(false);
  let asJson: ReturnType<typeof chunk> | undefined;
  const out: SegmentRow[] = [];
  let sorted = true;
  db.transaction(() => {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      let row = joined.get(after) as Row;
      const n = row[0];
      if (n === 0) break;
      let paths = row[2]!.split('\n');
      if (paths.length !== n) {
        row = (asJson ??= chunk(true)).get(after) as Row;
        paths = JSON.parse(row[2]!) as string[];
      }
      const [cameras, starts, ends, bytes, closed] = row.slice(3).map((c) => JSON.parse(c as string)) as [
        string[], number[], number[], number[], number[],
      ];
      let last = out.length > 0 ? out[out.length - 1]!.startMs : Number.MIN_SAFE_INTEGER;
      for (let i = 0; i < n; i++) {
        const startMs = starts[i]!;
        if (startMs < last) sorted = false;
        last = startMs;
        out.push({ camera: cameras[i]!, path: paths[i]!, startMs, endMs: ends[i]!, bytes: bytes[i]!, closed: closed[i] === 1 });
      }
      if (n < size) break;
      after = row[1]!;
    }
  })();
  return sorted ? out : out.sort((a, b) => a.startMs - b.startMs);
}

const COLUMNS = 'camera, path, start_ms AS startMs, end_ms AS endMs, bytes, closed';
type RawSegment = Omit<SegmentRow, 'closed'> & { closed: number };
const toSegment = (r: RawSegment): SegmentRow => ({ ...r, closed: r.closed === 1 });
