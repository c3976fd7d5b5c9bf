import type { Db } from './db.js';

/**
 * The web app's access log (table `access_log`): sign-ins, failed and throttled sign-ins, sign-outs, refused requests
 * and who watched which footage, when and from where (CCTV footage is personal data). Rows older than the retention
 * (`serve.accessLogDays`) are pruned by the server. Never holds a credential: paths and queries only.
 */

export type AccessAction = 'sign-in' | 'sign-in-failed' | 'throttled' | 'sign-out' | 'footage' | 'refused' | 'token-created' | 'token-revoked';

export interface AccessEntry {
  atMs: number;
  action: AccessAction;
  /** Who (a user name, token:<name>, local), or null when nobody was identified. */
  principal: string | null;
  address: string;
  method: string;
  path: string;
  status: number;
  detail: string | null;
}

export interface AccessQuery {
  sinceMs?: number;
  untilMs?: number;
  principal?: string;
  action?: AccessAction;
  limit: number;
}

export interface AccessLogStore {
  add(e: AccessEntry): void;
  /** Entries newest first. */
  list(q: AccessQuery): AccessEntry[];
  /** Deletes entries older than `beforeMs`; the number deleted. */
  prune(beforeMs: number): number;
}

const MAX_PATH = 512;

export function accessLogStore(db: Db): AccessLogStore {
  const add = db.prepare(
    `INSERT INTO access_log (at_ms, action, principal, address, method, path, status, detail)
     VALUES (@atMs, @action, @principal, @address, @method, @path, @status, @detail)`,
  );
  return {
    add: (e) => void add.run({ ...e, path: e.path.slice(0, MAX_PATH), detail: e.detail?.slice(0, MAX_PATH) ?? null }),
    list: (q) =>
      db
        .prepare(
          `SELECT at_ms AS atMs, action, principal, address, method, path, status, detail FROM access_log
            WHERE at_ms >= @since AND at_ms < @until
              AND (@principal IS NULL OR principal = @principal) AND (@action IS NULL OR action = @action)
            ORDER BY at_ms DESC, id DESC LIMIT @limit`,
        )
        .all({
          since: q.sinceMs ?? 0, until: q.untilMs ?? Number.MAX_SAFE_INTEGER, principal: q.principal ?? null,
          action: q.action ?? null, limit: q.limit,
        }) as AccessEntry[],
    prune: (beforeMs) => db.prepare('DELETE FROM access_log WHERE at_ms < ?').run(beforeMs).changes,
  };
}
