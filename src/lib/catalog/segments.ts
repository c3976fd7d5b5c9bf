import type { Db } from './db.js';

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

export function addGap(db: Db, g: GapRow): void {
  db.prepare('INSERT INTO gaps (camera, from_ms, to_ms, reason) VALUES (?, ?, ?, ?)').run(
    g.camera, Math.round(g.fromMs), Math.round(g.toMs), g.reason,
  );
}

/** Every catalogued path of a camera, with whether it is closed. */
export function segmentPaths(db: Db, camera: string): Map<string, boolean> {
  const rows = db.prepare('SELECT path, closed FROM segments WHERE camera = ?').all(camera) as { path: string; closed: number }[];
  return new Map(rows.map((r) => [r.path, r.closed === 1]));
}

export function lastSegment(db: Db, camera: string): SegmentRow | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM segments WHERE camera = ? ORDER BY start_ms DESC LIMIT 1`).get(camera);
  return row ? toSegment(row as RawSegment) : undefined;
}

/** Segments of a camera that overlap [fromMs, toMs), oldest first (open ones included). */
export function segmentsBetween(db: Db, camera: string, fromMs: number, toMs: number): SegmentRow[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM segments WHERE camera = ? AND start_ms < ? AND end_ms > ? ORDER BY start_ms`)
    .all(camera, toMs, fromMs) as RawSegment[];
  return rows.map(toSegment);
}

export function gapsBetween(db: Db, camera: string, fromMs: number, toMs: number): GapRow[] {
  return db
    .prepare(
      `SELECT camera, from_ms AS fromMs, to_ms AS toMs, reason FROM gaps
       WHERE camera = ? AND from_ms < ? AND to_ms > ? ORDER BY from_ms`,
    )
    .all(camera, toMs, fromMs) as GapRow[];
}

const COLUMNS = 'camera, path, start_ms AS startMs, end_ms AS endMs, bytes, closed';
type RawSegment = Omit<SegmentRow, 'closed'> & { closed: number };
const toSegment = (r: RawSegment): SegmentRow => ({ ...r, closed: r.closed === 1 });
