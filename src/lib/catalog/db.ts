import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/** How long a statement waits for another process's write lock before it fails with SQLITE_BUSY (ms). */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens `<dataDir>/catalog.db` (SQLite in WAL mode, so `record`, `upload`, `prune` and `serve` can use it at once)
 * and applies pending migrations. `busy_timeout` makes concurrent writers wait instead of failing; a long-running
 * process that must never block (record) asks for a short one and retries itself (catalog/write-queue.ts).
 */
export function openDb(dataDir: string, opts: { readonly?: boolean } = {}): Db {
  if (!opts.readonly) mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'catalog.db');
  const db = new Database(file, { readonly: opts.readonly ?? false });
  setBusyTimeout(db, BUSY_TIMEOUT_MS);
  if (!opts.readonly) {
    try {
      untilUnlocked(() => db.pragma('journal_mode = WAL'));
      db.pragma('synchronous = NORMAL');
      untilUnlocked(() => migrate(db, file));
    } catch (err) {
      db.close();
      throw err;
    }
  }
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs `step` again (after a short pause, for up to BUSY_TIMEOUT_MS) while it fails with SQLITE_BUSY. Some locks
 * SQLite does not wait for with busy_timeout — switching a fresh file to WAL, or a read lock that must become a write
 * lock while another process writes (it fails at once instead of risking a deadlock) — and several processes
 * opening one new catalog at the same moment meet them ("database is locked": one of 24 opens in one CI run).
 */
function untilUnlocked<T>(step: () => T): T {
  const until = Date.now() + BUSY_TIMEOUT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      return step();
    } catch (err) {
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() >= until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause); // a synchronous pause: openDb is synchronous
    }
  }
}

/** Sets how long this connection's statements wait for another process's write lock (see openDb). */
export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
}

/** Where the copy of a catalog at schema `version` is kept before it is migrated. */
export const backupPath = (file: string, version: number) => `${file}.bak-v${version}`;

/**
 * Brings the schema up to date. Safe when several processes open the same catalog at once (the README's quick start
 * starts record, watch-events, upload and analyze together): the version is read again inside one IMMEDIATE
 * transaction that applies every pending step, so only the first process migrates and the others find it done.
 * Before an existing catalog (not a fresh one) is migrated, a consistent copy of it is kept beside it
 * (`catalog.db.bak-v<N>`, N the schema it had), so an upgrade can be undone by putting it back.
 */
export function migrate(db: Db, file?: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const known = migrations.length;
  const check = (v: number) => {
    if (v > known) throw new Error(`catalog.db is from a newer cctv (schema ${v}, this one knows ${known}); upgrade cctv`);
  };
  const seen = version();
  check(seen);
  if (seen === known) return;
  // VACUUM INTO cannot run inside a transaction: the copy is made first, kept only if this process migrates.
  const copy = seen > 0 && file ? `${backupPath(file, seen)}.${process.pid}.tmp` : null;
  if (copy) {
    rmSync(copy, { force: true });
    db.prepare('VACUUM INTO ?').run(copy);
  }
  try {
    db.transaction(() => {
      const current = version();
      check(current);
      if (copy && current === seen && !existsSync(backupPath(file!, seen))) renameSync(copy, backupPath(file!, seen));
      for (let v = current; v < known; v++) {
        const step = migrations[v]!;
        if (typeof step === 'string') db.exec(step);
        else step(db);
      }
      db.pragma(`user_version = ${known}`);
    }).immediate();
  } finally {
    if (copy) rmSync(copy, { force: true });
  }
}

/**
 * Runs `fn` in one write transaction, begun IMMEDIATE (the write lock is taken up front, so a reader that decides
 * and then writes never meets another writer in between). Returns what `fn` returns; a throw rolls everything back.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/**
 * SQLite failures that pass: another process holds the write lock (BUSY, LOCKED), the disk is full (FULL), an I/O
 * error or a read-only moment (a remount). Anything else (a constraint, a bad statement) is a bug, not a moment.
 */
export function isTransientSqliteError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|PROTOCOL)/.test(code);
}
