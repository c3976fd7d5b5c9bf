import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens `<dataDir>/catalog.db` (SQLite in WAL mode, so `record`, `upload`, `prune` and `serve` can use it at once)
 * and applies pending migrations. `busy_timeout` makes concurrent writers wait instead of failing.
 */
export function openDb(dataDir: string, opts: { readonly?: boolean } = {}): Db {
  if (!opts.readonly) mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'catalog.db'), { readonly: opts.readonly ?? false });
  db.pragma('busy_timeout = 10000');
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  }
  db.pragma('foreign_keys = ON');
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`catalog.db is from a newer cctv (schema ${current}, this one knows ${migrations.length}); upgrade cctv`);
  }
  for (let v = current; v < migrations.length; v++) {
    const step = migrations[v]!;
    db.transaction(() => {
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * Runs `fn` in one write transaction, begun IMMEDIATE (the write lock is taken up front, so a reader that decides
 * and then writes never meets another writer in between). Returns what `fn` returns; a throw rolls everything back.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
