import type { Db } from './db.js';

/**
 * What the catalog tells about the health of the pipeline, for /metrics and `cctv status`: the upload outbox
 * (depth by state, the oldest pending item), each camera's newest recording, the events and stored clips.
 */
export interface CatalogHealth {
  outbox: { pending: number; failed: number; oldestPendingMs: number | null };
  /** Per camera: where its newest segment ends (the open one's last known end). */
  lastSegmentEndMs: Record<string, number>;
  /** Per camera: events catalogued. */
  events: Record<string, number>;
  /** Stored clips (uploads of kind clip). */
  clips: number;
}

export function catalogHealth(db: Db): CatalogHealth {
  const counts = db.prepare(`SELECT state, COUNT(*) AS n, MIN(created_ms) AS oldest FROM outbox WHERE state != 'done' GROUP BY state`).all() as {
    state: string; n: number; oldest: number | null;
  }[];
  const pending = counts.find((c) => c.state === 'pending');
  const segments = db.prepare('SELECT camera, MAX(end_ms) AS endMs FROM segments GROUP BY camera').all() as { camera: string; endMs: number }[];
  const events = db.prepare('SELECT camera, COUNT(*) AS n FROM events GROUP BY camera').all() as { camera: string; n: number }[];
  const clips = (db.prepare(`SELECT COUNT(*) AS n FROM uploads WHERE kind = 'clip'`).get() as { n: number }).n;
  return {
    outbox: { pending: pending?.n ?? 0, failed: counts.find((c) => c.state === 'failed')?.n ?? 0, oldestPendingMs: pending?.oldest ?? null },
    lastSegmentEndMs: Object.fromEntries(segments.map((s) => [s.camera, s.endMs])),
    events: Object.fromEntries(events.map((e) => [e.camera, e.n])),
    clips,
  };
}
