import type { Db } from './db.js';

/**
 * Review marks (table `reviews`): which events a user has looked at, per user. An item is an event id, or the storage
 * key of a plain clip (a camera's own clip without an event). Marking is idempotent; unmarking removes the row.
 */

/** Marks (or unmarks) `items` as reviewed by `user`, in one transaction. */
export function setReviewed(db: Db, user: string, items: readonly string[], reviewed: boolean, nowMs = Date.now()): void {
  const mark = db.prepare('INSERT INTO reviews (user, item, reviewed_ms) VALUES (?, ?, ?) ON CONFLICT(user, item) DO NOTHING');
  const unmark = db.prepare('DELETE FROM reviews WHERE user = ? AND item = ?');
  db.transaction(() => {
    for (const item of items) {
      if (reviewed) mark.run(user, item, nowMs);
      else unmark.run(user, item);
    }
  }).immediate();
}

/** Which of `items` `user` has marked reviewed. */
export function reviewedAmong(db: Db, user: string, items: readonly string[]): Set<string> {
  if (items.length === 0) return new Set();
  const rows = db
    .prepare('SELECT item FROM reviews WHERE user = ? AND item IN (SELECT value FROM json_each(?))')
    .pluck()
    .all(user, JSON.stringify(items)) as string[];
  return new Set(rows);
}
