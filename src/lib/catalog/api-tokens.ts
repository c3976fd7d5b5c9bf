import type { Db } from './db.js';
import type { Role } from './users.js';

/**
 * API tokens for scripts (table `api_tokens`): `Authorization: Bearer cctv_<id>_<secret>`. The id is public (it
 * names the token in lists and for revoking); only the sha256 of the secret is stored, so the catalog never holds a
 * usable token. Created and revoked by an admin (`cctv token …` or the admin API).
 */

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdMs: number;
  expiresMs: number | null;
  usedMs: number | null;
}

export interface StoredToken extends ApiToken {
  secretHash: string;
}

const COLUMNS = `id, name, role, created_by AS createdBy, created_ms AS createdMs, expires_ms AS expiresMs, used_ms AS usedMs`;

export interface TokenStore {
  /** The token with this id (with its secret's hash, to compare), or undefined. */
  find(id: string): StoredToken | undefined;
  list(): ApiToken[];
  /** Adds a token; false when the name is taken. */
  add(t: Omit<StoredToken, 'usedMs'>): boolean;
  /** Notes a use at `nowMs`. */
  used(id: string, nowMs: number): void;
  /** Removes the token with this id or name; false when there was none. */
  revoke(idOrName: string): boolean;
}

export function tokenStore(db: Db): TokenStore {
  const find = db.prepare(`SELECT ${COLUMNS}, secret_hash AS secretHash FROM api_tokens WHERE id = ?`);
  const used = db.prepare('UPDATE api_tokens SET used_ms = ? WHERE id = ?');
  return {
    find: (id) => find.get(id) as StoredToken | undefined,
    list: () => db.prepare(`SELECT ${COLUMNS} FROM api_tokens ORDER BY name`).all() as ApiToken[],
    add: (t) =>
      db
        .prepare(
          `INSERT OR IGNORE INTO api_tokens (id, name, role, secret_hash, created_by, created_ms, expires_ms)
           VALUES (@id, @name, @role, @secretHash, @createdBy, @createdMs, @expiresMs)`,
        )
        .run(t).changes === 1,
    used: (id, nowMs) => void used.run(nowMs, id),
    revoke: (idOrName) => db.prepare('DELETE FROM api_tokens WHERE id = ? OR name = ?').run(idOrName, idOrName).changes > 0,
  };
}
