import type { Alert } from '../alerts/types.js';
import type { Db } from './db.js';
import { enqueue } from './outbox.js';

/**
 * Alerts: the one alert of each event (table `alerts`, keyed by the event id, or the clip URL for a clip without an
 * event), its deliveries (the outbox's `alert` queue: one item per sink, key `alert:<event key>:<sink>`) and the
 * deliveries made (table `alerts_sent`).
 *
 * alertOnce is the only way an alert is decided: whichever path comes first (the analysis of the event's clip; a live
 * sighting, issue 12) takes the event's row, and its deliveries are queued in the same transaction, so an alert is
 * never lost between the decision and the sending (a killed process's deliveries are re-driven by the next one) and
 * an event never alerts twice.
 */

/** The alert as sent (its JSON: no media accessors). */
export type AlertJson = Omit<Alert, 'media'>;

/** An alert's delivery to one sink, as the `alert` queue keeps it. */
export interface AlertDelivery {
  eventKey: string;
  sink: string;
  alert: AlertJson;
  /** Storage keys of the pictures a sink may attach, read again at delivery (media.ts storageMedia). */
  media: { poster: string | null; clip: string | null };
}

/** Whether the event (or clip) of `eventKey` has its alert already. */
export function hasAlerted(db: Db, eventKey: string): boolean {
  return db.prepare('SELECT 1 FROM alerts WHERE event_key = ?').get(eventKey) !== undefined;
}

/**
 * Decides `eventKey`'s alert and queues its delivery to each of `sinks`, unless the event has one already (then
 * nothing, and false). `origin` says which path decided (analysis; live). Run it inside the transaction that records
 * the decision.
 */
export function alertOnce(
  db: Db,
  a: { eventKey: string; origin: string; atMs: number; sinks: readonly string[]; alert: AlertJson; media: AlertDelivery['media'] },
  nowMs = Date.now(),
): boolean {
  const taken =
    db
      .prepare('INSERT OR IGNORE INTO alerts (event_key, camera, at_ms, origin, decided_ms) VALUES (?, ?, ?, ?, ?)')
      .run(a.eventKey, a.alert.camera, Math.round(a.atMs), a.origin, nowMs).changes === 1;
  if (!taken) return false;
  for (const sink of a.sinks) {
    enqueue(db, { key: `alert:${a.eventKey}:${sink}`, kind: 'alert', payload: { eventKey: a.eventKey, sink, alert: a.alert, media: a.media } }, nowMs);
  }
  return true;
}

/** Records that `sink` accepted `eventKey`'s alert. */
export function recordDelivered(db: Db, eventKey: string, sink: string, nowMs = Date.now()): void {
  db.prepare('INSERT OR REPLACE INTO alerts_sent (event_key, sink, sent_ms) VALUES (?, ?, ?)').run(eventKey, sink, nowMs);
}

/** The sinks that accepted `eventKey`'s alert. */
export function deliveredTo(db: Db, eventKey: string): string[] {
  return db.prepare('SELECT sink FROM alerts_sent WHERE event_key = ? ORDER BY sink').pluck().all(eventKey) as string[];
}

/** Removes the alerts decided, and the deliveries recorded, before `beforeMs`. Returns how many rows. */
export function pruneAlerts(db: Db, beforeMs: number): number {
  return db.transaction(
    () =>
      db.prepare('DELETE FROM alerts WHERE decided_ms < ?').run(beforeMs).changes +
      db.prepare('DELETE FROM alerts_sent WHERE sent_ms < ?').run(beforeMs).changes,
  ).immediate();
}
