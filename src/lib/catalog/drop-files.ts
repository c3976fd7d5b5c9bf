import type { Db } from './db.js';

/**
 * The drop-folder files already reported (table `drop_files`), so each gives one `clip` record even across
 * restarts. A file is known by its camera, its path relative to the drop folder, and its size.
 */
export function seenDropFiles(db: Db): {
  has(camera: string, name: string, size: number): boolean;
  add(camera: string, name: string, size: number): void;
} {
  const has = db.prepare('SELECT 1 FROM drop_files WHERE camera = ? AND name = ? AND size = ?');
  const add = db.prepare('INSERT OR IGNORE INTO drop_files (camera, name, size, seen_ms) VALUES (?, ?, ?, ?)');
  return {
    has: (camera, name, size) => has.get(camera, name, size) !== undefined,
    add: (camera, name, size) => void add.run(camera, name, size, Date.now()),
  };
}

/** Forgets the drop-folder files that `gone(camera, name)` says no longer exist. Returns how many. */
export function forgetGoneDropFiles(db: Db, gone: (camera: string, name: string) => boolean): number {
  const rows = db.prepare('SELECT camera, name, size FROM drop_files').all() as { camera: string; name: string; size: number }[];
  const remove = db.prepare('DELETE FROM drop_files WHERE camera = ? AND name = ? AND size = ?');
  const goneRows = rows.filter((r) => gone(r.camera, r.name));
  db.transaction(() => {
    for (const r of goneRows) remove.run(r.camera, r.name, r.size);
  }).immediate();
  return goneRows.length;
}
