import type { DetectionLabel } from '../pipeline/records.js';
import type { Db } from './db.js';

/**
 * What the detector found in each stored clip (tables `analyses`, one row per clip, and `detections`, one row per
 * clip and label: the best sighting), and the alert decisions recorded with them. Every write replaces what an
 * earlier analysis of the same clip wrote, so re-running analysis never duplicates anything.
 */

export interface AnalysisRow {
  clipUrl: string;
  eventId: string | null;
  camera: string;
  /** The clip's start (ms). */
  startMs: number;
  detector: string;
  frames: number;
  alert: boolean;
  labels: readonly DetectionLabel[];
}

/** The key alerts are deduplicated on: the event id, or the clip URL for a clip without an event. */
export const eventKeyOf = (r: { eventId: string | null; clipUrl: string }): string => r.eventId ?? r.clipUrl;

/** Upserts the clip's analysis and replaces its detections (one row per label: the best sighting). */
export function saveAnalysis(db: Db, r: AnalysisRow, nowMs = Date.now()): void {
  db.prepare(
    `INSERT INTO analyses (clip_url, event_id, camera, start_ms, detector, frames, alert, analyzed_ms)
     VALUES (@clipUrl, @eventId, @camera, @startMs, @detector, @frames, @alert, @nowMs)
     ON CONFLICT (clip_url) DO UPDATE SET event_id = excluded.event_id, camera = excluded.camera, start_ms = excluded.start_ms,
       detector = excluded.detector, frames = excluded.frames, alert = excluded.alert, analyzed_ms = excluded.analyzed_ms`,
  ).run({
    clipUrl: r.clipUrl, eventId: r.eventId, camera: r.camera, startMs: r.startMs, detector: r.detector, frames: r.frames,
    alert: r.alert ? 1 : 0, nowMs,
  });
  db.prepare('DELETE FROM detections WHERE clip_url = ?').run(r.clipUrl);
  const insert = db.prepare(
    `INSERT INTO detections (clip_url, event_id, camera, label, confidence, at_ms, start_ms, box) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const l of r.labels) {
    insert.run(r.clipUrl, r.eventId, r.camera, l.name, l.confidence, Date.parse(l.at), r.startMs, l.box ? JSON.stringify(l.box) : null);
  }
}

/**
 * The clip start of the camera's latest alert at or before `atMs` for another event, or null: the cooldown runs
 * on clip time, so re-running analysis gives the same decisions.
 */
export function lastAlertBefore(db: Db, camera: string, atMs: number, eventKey: string): number | null {
  const row = db
    .prepare(
      `SELECT max(start_ms) AS ms FROM analyses
       WHERE camera = ? AND alert = 1 AND start_ms <= ? AND coalesce(event_id, clip_url) != ?`,
    )
    .get(camera, atMs, eventKey) as { ms: number | null };
  return row.ms;
}
