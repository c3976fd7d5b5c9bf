import type { Db } from './db.js';

/**
 * The alerts handed to each sink (table `alerts_sent`, one row per event key and sink): a row is the claim to
 * deliver it, taken before the first try, so a re-run or a second process never sends an alert twice; a delivery
 * that finally failed gives its claim back, so a later run may try again.
 */

/** Claims the delivery of `eventKey`'s alert to `sink`; false when it was claimed (or sent) before. */
export function claimAlert(db: Db, eventKey: string, sink: string, nowMs = Date.now()): boolean {
  return db.prepare('INSERT OR IGNORE INTO alerts_sent (event_key, sink, sent_ms) VALUES (?, ?, ?)').run(eventKey, sink, nowMs).changes === 1;
}

/** Records that the claimed alert reached the sink. */
export function markAlertSent(db: Db, eventKey: string, sink: string, nowMs = Date.now()): void {
  db.prepare('UPDATE alerts_sent SET sent_ms = ? WHERE event_key = ? AND sink = ?').run(nowMs, eventKey, sink);
}

/** Gives a claim back (the delivery failed for good this time). */
export function releaseAlert(db: Db, eventKey: string, sink: string): void {
  db.prepare('DELETE FROM alerts_sent WHERE event_key = ? AND sink = ?').run(eventKey, sink);
}
