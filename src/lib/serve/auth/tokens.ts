import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../catalog/db.js';
import { tokenStore, type StoredToken } from '../../catalog/api-tokens.js';
import type { Role } from '../../catalog/users.js';

/**
 * API tokens: `cctv_<id>_<secret>` (id: 8 random bytes in hex, public; secret: 32 random bytes, base64url). The
 * catalog keeps the sha256 of the secret only; a token has 256 bits of secret, so a fast hash is as good as a slow one.
 */

const TOKEN = /^cctv_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

/** The id and secret of a token string, or undefined when it is not one. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Creates a token; its string is returned once and never stored. Undefined when the name is taken. */
export function createToken(
  db: Db,
  t: { name: string; role: Role; createdBy: string; expiresMs: number | null },
  nowMs = Date.now(),
): { token: string; id: string } | undefined {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const added = tokenStore(db).add({ id, name: t.name, role: t.role, secretHash: sha256(secret), createdBy: t.createdBy, createdMs: nowMs, expiresMs: t.expiresMs });
  return added ? { token: `cctv_${id}_${secret}`, id } : undefined;
}

/** True when `secret` is the stored token's and the token has not expired at `nowMs` (constant-time compare). */
export function tokenMatches(stored: StoredToken, secret: string, nowMs: number): boolean {
  const given = Buffer.from(sha256(secret));
  const expected = Buffer.from(stored.secretHash);
  return given.length === expected.length && timingSafeEqual(given, expected) && (stored.expiresMs === null || nowMs < stored.expiresMs);
}
