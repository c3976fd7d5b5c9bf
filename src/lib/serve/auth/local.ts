import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../../catalog/db.js';
import { sessionStore, type SessionRow } from '../../catalog/sessions.js';
import { tokenStore } from '../../catalog/api-tokens.js';
import { getUser } from '../../catalog/users.js';
import { json } from '../http.js';
import { safeAdd, RecentKeys, type AccessLog } from './audit.js';
import type { Authenticator, Client, Identity, Principal } from './authenticator.js';
import { hashPassword, PASSWORD_MAX, verifyPassword } from './passwords.js';
import { clearedCookies, DEFAULT_SESSION_POLICY, sessionCookie, sessionIdFrom, sessionVerdict, type SessionPolicy } from './session-policy.js';
import { Throttle } from './throttle.js';
import { parseToken, sha256, tokenMatches } from './tokens.js';

/**
 * The on-premise sign-in: users with scrypt-hashed passwords, sessions and API tokens, all in the catalog.
 *
 *   POST /auth/sign-in   `{ username, password }` (JSON or a form): 200 `{ name, role }` with the session cookie;
 *                        401 for a wrong name or password (the same answer, the same time); 429 + Retry-After while
 *                        the address or the name is throttled (throttle.ts)
 *   POST /auth/sign-out  ends the session (every id it rotated through) and clears the cookie
 *   GET  /auth/session   who the session is
 * and on every request, in this order: `Authorization: Bearer cctv_…` (an API token), `Authorization: Basic` (a
 * user's password: what 0.1 scripts send; verified once, then remembered for 5 minutes), the session cookie.
 * Explicit credentials that fail are not rescued by a cookie.
 */

export interface LocalAuthOptions {
  db: Db;
  accessLog: AccessLog;
  policy?: SessionPolicy;
  now?: () => number;
}

const BODY_LIMIT = 4096;
const BASIC_CACHE_MS = 5 * 60_000;
const TOKEN_USE_WRITE_MS = 60_000;

/** Sign-in and sign-out answer the JavaScript of the sign-in page and the app; their bodies are small JSON or a form. */
async function readCredentials(req: Request): Promise<{ username: string; password: string } | undefined> {
  const reader = req.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > BODY_LIMIT) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let fields: Record<string, unknown>;
  if ((req.headers.get('content-type') ?? '').startsWith('application/json')) {
    try {
      fields = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  } else fields = Object.fromEntries(new URLSearchParams(text));
  const { username, password } = fields ?? {};
  if (typeof username !== 'string' || typeof password !== 'string' || !username || username.length > 64 || password.length > PASSWORD_MAX) return undefined;
  return { username, password };
}

function parseBasic(header: string): { name: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

/** A navigation of the page (to be sent to sign in), as opposed to a fetch, an image or a video. */
function isNavigation(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers.get('sec-fetch-mode');
  return mode ? mode === 'navigate' : (req.headers.get('accept') ?? '').includes('text/html');
}

export function localAuthenticator(o: LocalAuthOptions): Authenticator {
  const { db, accessLog } = o;
  const now = o.now ?? Date.now;
  const policy = o.policy ?? DEFAULT_SESSION_POLICY;
  const sessions = sessionStore(db);
  const tokens = tokenStore(db);
  const throttle = new Throttle(now);
  const refusals = new RecentKeys(10 * 60_000);
  // A wrong name costs the same scrypt as a wrong password, so answers never tell which names exist.
  const dummyHash = hashPassword(randomBytes(16).toString('hex'));
  // Verified Basic credentials, keyed by an HMAC of the header (the password is never kept), checked against the
  // user's current hash on every use (a changed password or a removed user is not remembered).
  const basicKey = randomBytes(32);
  const basicSeen = new Map<string, { name: string; passwordHash: string; untilMs: number }>();

  const record = (action: Parameters<AccessLog['add']>[0]['action'], req: Request, client: Client, status: number, principal: string | null, detail: string | null = null) =>
    safeAdd(accessLog, { atMs: now(), action, principal, address: client.address, method: req.method, path: new URL(req.url).pathname, status, detail });

  const throttled = (retryAfterS: number) =>
    json({ error: `too many wrong passwords: try again in ${retryAfterS} s`, retryAfter: retryAfterS }, 429, { 'retry-after': String(retryAfterS) });

  /** Checks a name and password (a throttled client is refused first); the user when they match. */
  async function checkPassword(name: string, password: string, req: Request, client: Client, via: string): Promise<Principal | Response | null> {
    const wait = throttle.retryAfter(client.address, name);
    if (wait > 0) {
      record('throttled', req, client, 429, null, `${via}; retry after ${wait} s`);
      return throttled(wait);
    }
    const user = getUser(db, name);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
    if (user && ok) {
      throttle.succeeded(client.address, name);
      return { name: user.name, role: user.role };
    }
    throttle.failed(client.address, name);
    // The name is recorded only when it is a user's: a name that is not may be a password typed in the wrong field.
    record('sign-in-failed', req, client, 401, null, `${via}; ${user ? `user ${user.name}` : 'unknown user'}`);
    return null;
  }

  async function basic(header: string, req: Request, client: Client): Promise<Identity> {
    const creds = parseBasic(header);
    if (!creds) return { principal: null, setCookie: [] };
    const key = createHmac('sha256', basicKey).update(header).digest('base64url');
    const seen = basicSeen.get(key);
    const user = seen && seen.untilMs > now() ? getUser(db, seen.name) : undefined;
    if (user && user.passwordHash === seen?.passwordHash) return { principal: { name: user.name, role: user.role }, setCookie: [] };
    const checked = await checkPassword(creds.name, creds.password, req, client, 'Basic');
    if (checked instanceof Response) return { principal: null, setCookie: [], answer: checked };
    if (checked) {
      const hash = getUser(db, checked.name)?.passwordHash;
      if (basicSeen.size >= 1000) basicSeen.delete(basicSeen.keys().next().value!);
      if (hash) basicSeen.set(key, { name: checked.name, passwordHash: hash, untilMs: now() + BASIC_CACHE_MS });
    }
    return { principal: checked, setCookie: [] };
  }

  function bearer(value: string, req: Request, client: Client): Identity {
    const parsed = parseToken(value);
    const stored = parsed && tokens.find(parsed.id);
    const t = now();
    if (parsed && stored && tokenMatches(stored, parsed.secret, t)) {
      if (stored.usedMs === null || t - stored.usedMs >= TOKEN_USE_WRITE_MS) tokens.used(stored.id, t);
      return { principal: { name: `token:${stored.name}`, role: stored.role }, setCookie: [] };
    }
    if (refusals.first(`token ${client.address} ${parsed?.id ?? '-'}`, t)) {
      record('refused', req, client, 401, null, stored ? 'expired or wrong API token' : 'unknown API token');
    }
    return { principal: null, setCookie: [] };
  }

  /** The session of the request's cookie, rotated or touched as the policy says; null when there is none (any more). */
  function session(req: Request, client: Client): Identity {
    const id = sessionIdFrom(req.headers.get('cookie'));
    const hasCookie = /(?:^|;\s*)(?:__Host-)?cctv-session=/.test(req.headers.get('cookie') ?? '');
    const row = id ? sessions.find(sha256(id)) : undefined;
    const gone: Identity = { principal: null, setCookie: hasCookie ? clearedCookies(client.secure) : [] };
    if (!row) return gone;
    const t = now();
    const verdict = sessionVerdict(row, t, policy);
    if (!verdict.valid) {
      if (verdict.why !== 'rotated') sessions.endFamily(row.family);
      return gone;
    }
    const setCookie: string[] = [];
    if (verdict.rotate) {
      const next = randomBytes(32).toString('base64url');
      const moved = sessions.rotate(row, { idHash: sha256(next), address: client.address, userAgent: req.headers.get('user-agent') }, t, t + policy.graceMs);
      if (moved) setCookie.push(sessionCookie(next, client.secure, verdict.maxAgeS));
    } else if (verdict.touch) sessions.touch(row.idHash, t);
    return { principal: { name: row.user, role: row.role }, setCookie };
  }

  async function identify(req: Request, client: Client): Promise<Identity> {
    const authz = req.headers.get('authorization');
    if (authz) {
      const m = /^(\S+)\s+(\S.*)$/.exec(authz.trim());
      const scheme = m?.[1]!.toLowerCase();
      if (scheme === 'bearer') return bearer(m![2]!.trim(), req, client);
      if (scheme === 'basic') return basic(authz, req, client);
      return { principal: null, setCookie: [] };
    }
    return session(req, client);
  }

  function endSession(req: Request): SessionRow | undefined {
    const id = sessionIdFrom(req.headers.get('cookie'));
    const row = id ? sessions.find(sha256(id)) : undefined;
    if (row) sessions.endFamily(row.family);
    return row;
  }

  async function signIn(req: Request, client: Client): Promise<Response> {
    const creds = await readCredentials(req);
    if (!creds) return json({ error: 'send { username, password }' }, 400);
    const checked = await checkPassword(creds.username, creds.password, req, client, 'sign-in page');
    if (checked instanceof Response) return checked;
    if (!checked) return json({ error: 'wrong user name or password' }, 401);
    endSession(req); // whoever this browser was signed in as before, that session ends
    const id = randomBytes(32).toString('base64url');
    const t = now();
    sessions.create({ idHash: sha256(id), family: randomBytes(16).toString('base64url'), user: checked.name, address: client.address, userAgent: req.headers.get('user-agent') }, t);
    record('sign-in', req, client, 200, checked.name);
    return json(checked, 200, { 'set-cookie': sessionCookie(id, client.secure, policy.absoluteMs / 1000) });
  }

  return {
    kind: 'local',
    identify,
    async route(req, url, client) {
      if (url.pathname === '/auth/session' && (req.method === 'GET' || req.method === 'HEAD')) {
        const who = await identify(req, client);
        if (who.answer) return who.answer;
        const res = who.principal ? json({ ...who.principal, signIn: true }) : json({ error: 'not signed in' }, 401);
        for (const c of who.setCookie) res.headers.append('set-cookie', c);
        return res;
      }
      if (url.pathname === '/auth/sign-in' && req.method === 'POST') return signIn(req, client);
      if (url.pathname === '/auth/sign-out' && req.method === 'POST') {
        const row = endSession(req);
        if (row) record('sign-out', req, client, 200, row.user);
        const res = json({ next: '/sign-in' });
        for (const c of clearedCookies(client.secure)) res.headers.append('set-cookie', c);
        return res;
      }
      return undefined;
    },
    challenge(req, url) {
      if (isNavigation(req)) {
        const next = url.pathname === '/' && !url.search ? '' : `?next=${encodeURIComponent(url.pathname + url.search)}`;
        return new Response(null, { status: 303, headers: { location: `/sign-in${next}`, 'cache-control': 'no-store' } });
      }
      return json({ error: 'sign in first (or send an API token: Authorization: Bearer …)' }, 401, { 'www-authenticate': 'Bearer realm="cctv"' });
    },
  };
}
