import type { AccessAction } from '../../catalog/access-log.js';
import { accessLogStore } from '../../catalog/access-log.js';
import { tokenStore } from '../../catalog/api-tokens.js';
import type { Db } from '../../catalog/db.js';
import { listUsers, ROLES, type Role } from '../../catalog/users.js';
import { decode, HttpError, intParam, json, timeParam, type Route } from '../http.js';
import { safeAdd, type AccessLog } from './audit.js';
import { createToken, TOKEN_NAME } from './tokens.js';

/**
 * The admin API of the local sign-in (admins only: auth/access.ts), for a page or a script with an admin token:
 *   GET    /api/admin/users                   users (name, role, source); `cctv user …` manages them
 *   GET    /api/admin/tokens                  API tokens (never their secrets)
 *   POST   /api/admin/tokens                  `{ name, role, expiresDays? }` → 201 `{ id, name, role, token, expires }`,
 *                                             the token shown this once
 *   DELETE /api/admin/tokens/<id or name>     revokes it
 *   GET    /api/admin/access-log?since&until&principal&action&limit   the access log, newest first
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const DAY_MS = 86_400_000;

async function readJson(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.length > 4096) throw new HttpError(413, 'body too large');
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'send a JSON object');
}

export function adminRoutes(db: Db, accessLog: AccessLog, now: () => number = Date.now): Route {
  const tokens = tokenStore(db);
  const log = accessLogStore(db);
  return async (req, url, ctx) => {
    const p = url.pathname;
    if (!p.startsWith('/api/admin/')) return undefined;
    const by = ctx.principal?.name ?? 'unknown';
    const record = (action: 'token-created' | 'token-revoked', detail: string) =>
      safeAdd(accessLog, { atMs: now(), action, principal: by, address: ctx.client.address, method: req.method, path: p, status: 200, detail });

    if (p === '/api/admin/users' && req.method === 'GET') {
      return json({ users: listUsers(db).map((u) => ({ name: u.name, role: u.role, source: u.source, created: iso(u.createdMs), updated: iso(u.updatedMs) })) });
    }
    if (p === '/api/admin/tokens' && req.method === 'GET') {
      return json({
        tokens: tokens.list().map((t) => ({ id: t.id, name: t.name, role: t.role, createdBy: t.createdBy, created: iso(t.createdMs), expires: iso(t.expiresMs), lastUsed: iso(t.usedMs) })),
      });
    }
    if (p === '/api/admin/tokens' && req.method === 'POST') {
      const body = await readJson(req);
      const { name, role, expiresDays } = body;
      if (typeof name !== 'string' || !TOKEN_NAME.test(name)) throw new HttpError(400, 'name: letters, digits and . _ - (up to 64)');
      if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new HttpError(400, 'role: admin or viewer');
      if (expiresDays !== undefined && (typeof expiresDays !== 'number' || !Number.isInteger(expiresDays) || expiresDays < 1 || expiresDays > 3650)) {
        throw new HttpError(400, 'expiresDays: a whole number of days from 1 to 3650');
      }
      const t = now();
      const expiresMs = expiresDays === undefined ? null : t + (expiresDays as number) * DAY_MS;
      const made = createToken(db, { name, role: role as Role, createdBy: by, expiresMs }, t);
      if (!made) throw new HttpError(409, `a token named ${name} exists`);
      record('token-created', `${name} (${role})`);
      return json({ id: made.id, name, role, token: made.token, expires: iso(expiresMs) }, 201);
    }
    const m = /^\/api\/admin\/tokens\/([^/]+)$/.exec(p);
    if (m && req.method === 'DELETE') {
      const which = decode(m[1]!);
      if (!tokens.revoke(which)) throw new HttpError(404, `no token ${which}`);
      record('token-revoked', which);
      return json({ revoked: which });
    }
    if (p === '/api/admin/access-log' && req.method === 'GET') {
      const q = url.searchParams;
      const entries = log.list({
        sinceMs: timeParam(q.get('since'), 'since'),
        untilMs: timeParam(q.get('until'), 'until'),
        principal: q.get('principal') || undefined,
        action: (q.get('action') || undefined) as AccessAction | undefined,
        limit: q.has('limit') ? intParam(q.get('limit'), 'limit', 1, 1000) : 100,
      });
      return json({ entries: entries.map(({ atMs, ...e }) => ({ at: iso(atMs), ...e })) });
    }
    return undefined;
  };
}
