import type { Db } from './db.js';
import type { Role } from './users.js';

/**
 * Sign-in sessions of the web app (table `sessions`), kept server-side so that signing out, removing a user or
 * changing a password ends them at once. A row is one session id, stored as the sha256 of the cookie's value; a
 * rotation adds the new id to the same `family` and gives the old one a short `retire_ms`. The decisions (valid,
 * expired, due for rotation) are serve/auth/session-policy.ts's; this module only stores.
 */

export interface SessionRow {
  idHash: string;
  family: string;
  user: string;
  /** The user's current role (joined: a role change applies at the next request). */
  role: Role;
  signedInMs: number;
  seenMs: number;
  issuedMs: number;
  retireMs: number | null;
}

export interface NewSession {
  idHash: string;
  family: string;
  user: string;
  address: string;
  userAgent: string | null;
}

export interface SessionStore {
  /** The session with this id hash, with its user's role; undefined when there is none (or its user is gone). */
  find(idHash: string): SessionRow | undefined;
  create(s: NewSession, nowMs: number): void;
  /** Notes a request at `nowMs` (idle expiry counts from the last one). */
  touch(idHash: string, nowMs: number): void;
  /**
   * Replaces `old` by a new id of the same family: the new row starts at `nowMs`; the old one stays valid until
   * `retireMs` (requests already in flight). False when `old` was already rotated or is gone (another request won).
   */
  rotate(old: SessionRow, next: { idHash: string; address: string; userAgent: string | null }, nowMs: number, retireMs: number): boolean;
  /** Ends a sign-in: every id of its family. */
  endFamily(family: string): void;
  /** Deletes what no request can use any more: retired ids past their time, sessions older than `signedInBeforeMs` or idle since `seenBeforeMs`. */
  prune(o: { nowMs: number; signedInBeforeMs: number; seenBeforeMs: number }): number;
}

export function sessionStore(db: Db): SessionStore {
  const find = db.prepare(
    `SELECT s.id_hash AS idHash, s.family, s.user, u.role, s.signed_in_ms AS signedInMs, s.seen_ms AS seenMs,
            s.issued_ms AS issuedMs, s.retire_ms AS retireMs
       FROM sessions s JOIN users u ON u.name = s.user WHERE s.id_hash = ?`,
  );
  const insert = db.prepare(
    `INSERT INTO sessions (id_hash, family, user, signed_in_ms, seen_ms, issued_ms, address, user_agent)
     VALUES (@idHash, @family, @user, @signedInMs, @nowMs, @nowMs, @address, @userAgent)`,
  );
  const touch = db.prepare('UPDATE sessions SET seen_ms = ? WHERE id_hash = ? AND seen_ms < ?');
  const retire = db.prepare('UPDATE sessions SET retire_ms = ? WHERE id_hash = ? AND retire_ms IS NULL');
  const endFamily = db.prepare('DELETE FROM sessions WHERE family = ?');
  const prune = db.prepare('DELETE FROM sessions WHERE retire_ms < @nowMs OR signed_in_ms < @signedInBeforeMs OR seen_ms < @seenBeforeMs');
  const rotate = db.transaction((old: SessionRow, next: { idHash: string; address: string; userAgent: string | null }, nowMs: number, retireMs: number) => {
    if (retire.run(retireMs, old.idHash).changes !== 1) return false;
    insert.run({ idHash: next.idHash, family: old.family, user: old.user, signedInMs: old.signedInMs, nowMs, address: next.address, userAgent: next.userAgent });
    return true;
  });
  return {
    find: (idHash) => find.get(idHash) as SessionRow | undefined,
    create: (s, nowMs) => void insert.run({ ...s, signedInMs: nowMs, nowMs }),
    touch: (idHash, nowMs) => void touch.run(nowMs, idHash, nowMs),
    rotate: (old, next, nowMs, retireMs) => rotate.immediate(old, next, nowMs, retireMs),
    endFamily: (family) => void endFamily.run(family),
    prune: (o) => prune.run(o).changes,
  };
}
