import type { Db } from './db.js';

/**
 * The web app's users (table `users`): a name, a role and a password hash (never the password). Users come from
 * `cctv user add` (source `cli`) or from the config's `serve.auth` (source `config`, kept in step at every start).
 * Removing a user or changing their password ends their sessions (ON DELETE CASCADE, and deleteUserSessions).
 */

export type Role = 'admin' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'viewer'];

export interface User {
  name: string;
  role: Role;
  /** PHC string of the scrypt hash (serve/auth/passwords.ts). */
  passwordHash: string;
  source: 'cli' | 'config';
  createdMs: number;
  updatedMs: number;
}

const COLUMNS = 'name, role, password_hash AS passwordHash, source, created_ms AS createdMs, updated_ms AS updatedMs';

export function getUser(db: Db, name: string): User | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM users WHERE name = ?`).get(name) as User | undefined;
}

export function listUsers(db: Db): User[] {
  return db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY name`).all() as User[];
}

export function countUsers(db: Db): number {
  return db.prepare('SELECT count(*) FROM users').pluck().get() as number;
}

/** Adds a user; false when the name is taken. */
export function addUser(db: Db, u: { name: string; role: Role; passwordHash: string; source: User['source'] }, nowMs = Date.now()): boolean {
  return (
    db
      .prepare('INSERT OR IGNORE INTO users (name, role, password_hash, source, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(u.name, u.role, u.passwordHash, u.source, nowMs, nowMs).changes === 1
  );
}

/**
 * Changes a user's password hash and/or role; a new password ends every session they have (a role applies to their
 * sessions at their next request). False when there is no such user.
 */
export function updateUser(db: Db, name: string, change: { passwordHash?: string; role?: Role }, nowMs = Date.now()): boolean {
  return db.transaction(() => {
    const changed = db
      .prepare('UPDATE users SET password_hash = coalesce(?, password_hash), role = coalesce(?, role), updated_ms = ? WHERE name = ?')
      .run(change.passwordHash ?? null, change.role ?? null, nowMs, name).changes === 1;
    if (changed && change.passwordHash) db.prepare('DELETE FROM sessions WHERE user = ?').run(name);
    return changed;
  })();
}

/** Removes a user and (by cascade) their sessions; false when there was none. */
export function removeUser(db: Db, name: string): boolean {
  return db.prepare('DELETE FROM users WHERE name = ?').run(name).changes === 1;
}
