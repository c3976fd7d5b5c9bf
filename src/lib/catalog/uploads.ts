import type { Db } from './db.js';

/** What was stored (table `uploads`): one row per stored clip or segment, read by search, serve, analyze and prune. */

/** A stored object, as the uploads table keeps it. */
export interface UploadRow {
  /** The storage key. */
  key: string;
  url: string;
  kind: 'clip' | 'segment';
  eventId: string | null;
  camera: string;
  startMs: number;
  endMs: number;
  bytes: number;
  sha256: string;
  /** URL of the poster JPEG and of the JSON manifest stored beside a clip. */
  poster: string | null;
  manifest: string | null;
  partial: boolean;
}

/** Records what was stored; the same key again replaces the row (a retry overwrote the object). */
export function saveUpload(db: Db, u: UploadRow): void {
  db.prepare(
    `INSERT OR REPLACE INTO uploads (key, url, kind, event_id, camera, start_ms, end_ms, bytes, sha256, poster, manifest, partial, uploaded_ms)
     VALUES (@key, @url, @kind, @eventId, @camera, @startMs, @endMs, @bytes, @sha256, @poster, @manifest, @partial, @now)`,
  ).run({ ...u, startMs: Math.round(u.startMs), endMs: Math.round(u.endMs), partial: u.partial ? 1 : 0, now: Date.now() });
}

/** The stored object of a storage key, or undefined. */
export function findUpload(db: Db, key: string): UploadRow | undefined {
  const row = db
    .prepare(
      `SELECT key, url, kind, event_id AS eventId, camera, start_ms AS startMs, end_ms AS endMs, bytes, sha256, poster, manifest, partial
       FROM uploads WHERE key = ?`,
    )
    .get(key) as (Omit<UploadRow, 'partial'> & { partial: number }) | undefined;
  return row ? { ...row, partial: row.partial === 1 } : undefined;
}

/** A stored object as retention sees it. */
export type StoredObject = Pick<UploadRow, 'key' | 'url' | 'kind' | 'eventId' | 'camera' | 'startMs' | 'bytes' | 'poster' | 'manifest'>;

/** Every stored object, oldest first. */
export function storedObjects(db: Db): StoredObject[] {
  return db
    .prepare(
      `SELECT key, url, kind, event_id AS eventId, camera, start_ms AS startMs, bytes, poster, manifest FROM uploads ORDER BY start_ms`,
    )
    .all() as StoredObject[];
}

/**
 * Forgets a stored object that was removed from storage: its uploads row and what analysis found in it (its
 * analyses and detections rows, keyed by its URL), in one transaction.
 */
export function forgetStoredObject(db: Db, o: { key: string; url: string }): void {
  db.transaction(() => {
    db.prepare('DELETE FROM uploads WHERE key = ?').run(o.key);
    db.prepare('DELETE FROM detections WHERE clip_url = ?').run(o.url);
    db.prepare('DELETE FROM analyses WHERE clip_url = ?').run(o.url);
  }).immediate();
}
