import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogStore } from '../../src/lib/catalog/access-log.js';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { createApp, type App, type Connection } from '../../src/lib/serve/app.js';
import { addAccount } from '../../src/lib/serve/auth/accounts.js';
import { ACCESS_RULES } from '../../src/lib/serve/auth/access.js';
import { adminRoutes } from '../../src/lib/serve/auth/admin-routes.js';
import { healthRoutes, serveHealth } from '../../src/lib/serve/health-routes.js';
import { localAuthenticator } from '../../src/lib/serve/auth/local.js';
import { createToken } from '../../src/lib/serve/auth/tokens.js';
import { makeServeFixture, T0, type ServeFixture } from './fixture.js';

/**
 * The app's request pipeline with the local sign-in (app.handle, no sockets): the access table entry by entry, the
 * admin API, CSRF, proxies, the access log of footage. The same through real sockets and Chromium: auth-browser.test.ts.
 */

const ORIGIN = 'http://127.0.0.1:8080';
const LOOPBACK: Connection = { remoteAddress: '127.0.0.1', secure: false, httpVersion: '1.1' };
let f: ServeFixture;
let app: App;
let open: App;
let cookies: { admin: string; viewer: string };
let clip: string;

const ask = (a: App, path: string, o: { method?: string; headers?: Record<string, string>; body?: string; conn?: Connection } = {}) =>
  a.handle(new Request(`${ORIGIN}${path}`, { method: o.method ?? 'GET', headers: { host: '127.0.0.1:8080', ...o.headers }, body: o.body }), o.conn ?? LOOPBACK);

/** The JSON body of an answer (loosely typed: the tests read fields they check). */
const body = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

async function signIn(username: string, password: string): Promise<string> {
  const res = await ask(app, '/auth/sign-in', {
    method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

beforeAll(async () => {
  f = await makeServeFixture();
  await addAccount(f.db, { name: 'ada', password: 'ada-password-1', role: 'admin' });
  await addAccount(f.db, { name: 'vic', password: 'vic-password-1', role: 'viewer' });
  const accessLog = accessLogStore(f.db);
  const base = { catalog: sqliteEventCatalog(f.db), config: f.config, storage: f.storage, accessLog, routes: [adminRoutes(f.db, accessLog), healthRoutes(serveHealth(f.db, f.config))] };
  app = createApp({ ...base, authenticator: localAuthenticator({ db: f.db, accessLog }) });
  open = createApp({ ...base, trustedProxies: ['127.0.0.1'] });
  cookies = { admin: await signIn('ada', 'ada-password-1'), viewer: await signIn('vic', 'vic-password-1') };
  clip = (await body(ask(app, '/api/events?label=person', { headers: { cookie: cookies.viewer } }))).events[0].clip;
}, 120_000);
afterAll(() => {
  f?.db.close();
  if (f) rmSync(f.dataDir, { recursive: true, force: true });
});

describe('the access table, entry by entry, through the app', () => {
  /** A request each entry of ACCESS_RULES governs, with what it answers when allowed. */
  const examples: Record<string, { path: string; method?: string; body?: string; ok: number }[]> = {
    '/sign-in': [{ path: '/sign-in', ok: 200 }],
    '/sign-in.js': [{ path: '/sign-in.js', ok: 200 }],
    '/app.css': [{ path: '/app.css', ok: 200 }],
    '/icon.svg': [{ path: '/icon.svg', ok: 200 }],
    '/manifest.webmanifest': [{ path: '/manifest.webmanifest', ok: 200 }],
    '/icon-192.png': [{ path: '/icon-192.png', ok: 200 }],
    '/icon-512.png': [{ path: '/icon-512.png', ok: 200 }],
    '/icon-maskable-512.png': [{ path: '/icon-maskable-512.png', ok: 200 }],
    '/apple-touch-icon.png': [{ path: '/apple-touch-icon.png', ok: 200 }],
    '/auth/': [{ path: '/auth/session', ok: 401 }],
    '/healthz': [{ path: '/healthz', ok: 200 }],
    '/readyz': [{ path: '/readyz', ok: 200 }],
    '/api/admin/': [
      { path: '/api/admin/users', ok: 200 },
      { path: '/api/admin/tokens', ok: 200 },
      { path: '/api/admin/tokens', method: 'POST', body: JSON.stringify({ name: 'table-test', role: 'viewer' }), ok: 201 },
      { path: '/api/admin/tokens/table-test', method: 'DELETE', ok: 200 },
      { path: '/api/admin/access-log?limit=5', ok: 200 },
    ],
  };

  it('lists an example for every entry (a new entry needs one here)', () => {
    expect(Object.keys(examples).sort()).toEqual(ACCESS_RULES.map((r) => r.path).sort());
  });

  it.each(ACCESS_RULES.map((r) => [r.path, r.access] as const))('%s (%s): nobody, a viewer, an admin', async (rule, access) => {
    for (const ex of examples[rule]!) {
      const as = async (cookie?: string) =>
        (await ask(app, ex.path, { method: ex.method, body: ex.body, headers: { origin: ORIGIN, 'content-type': 'application/json', ...(cookie ? { cookie } : {}) } })).status;
      if (access === 'public') expect(await as(), ex.path).toBe(ex.ok);
      else expect(await as(), ex.path).toBe(401);
      if (access === 'admin') {
        expect(await as(cookies.viewer), `viewer ${ex.method ?? 'GET'} ${ex.path}`).toBe(403);
        expect(await as(cookies.admin), `admin ${ex.method ?? 'GET'} ${ex.path}`).toBe(ex.ok);
      }
    }
  });

  it('everything else: any signed-in role, nobody gets 401', async () => {
    for (const p of ['/', '/app.js', '/api/cameras', '/api/events', clip, '/metrics']) {
      expect((await ask(app, p)).status, p).toBe(401);
      expect((await ask(app, p, { headers: { cookie: cookies.viewer } })).status, p).toBe(200);
    }
  });

  it('a refused viewer is in the access log', async () => {
    await ask(app, '/api/admin/users', { headers: { cookie: cookies.viewer } });
    expect(accessLogStore(f.db).list({ action: 'refused', principal: 'vic', limit: 1 })[0]).toMatchObject({ path: '/api/admin/users', status: 403, detail: '/api/admin/users is for admins' });
  });
});

describe('the admin API', () => {
  it('creates a token once (shown once), lists it without its secret, and revokes it', async () => {
    const create = (body: unknown) =>
      ask(app, '/api/admin/tokens', { method: 'POST', headers: { origin: ORIGIN, cookie: cookies.admin }, body: JSON.stringify(body) });
    const res = await create({ name: 'ha', role: 'viewer', expiresDays: 30 });
    expect(res.status).toBe(201);
    const made = (await body(res)) as { id: string; token: string };
    expect(made).toMatchObject({ name: 'ha', role: 'viewer', token: expect.stringMatching(/^cctv_/) });
    expect((await create({ name: 'ha', role: 'viewer' })).status).toBe(409);
    for (const bad of [{ name: 'no spaces', role: 'viewer' }, { name: 'x', role: 'root' }, { name: 'y', role: 'viewer', expiresDays: 0 }]) {
      expect((await create(bad)).status).toBe(400);
    }
    const list = await (await ask(app, '/api/admin/tokens', { headers: { cookie: cookies.admin } })).text();
    expect(list).toContain('"name":"ha"');
    // The secret is everything after cctv_<16 hex>_ (it may itself contain '_').
    expect(list).not.toContain(made.token.slice(22));
    // The token works as a viewer, on its own, without Origin (a script)…
    expect((await ask(app, '/api/events', { headers: { authorization: `Bearer ${made.token}` } })).status).toBe(200);
    expect((await ask(app, '/api/admin/users', { headers: { authorization: `Bearer ${made.token}` } })).status).toBe(403);
    // …until revoked.
    expect((await ask(app, `/api/admin/tokens/${made.id}`, { method: 'DELETE', headers: { origin: ORIGIN, cookie: cookies.admin } })).status).toBe(200);
    expect((await ask(app, '/api/events', { headers: { authorization: `Bearer ${made.token}` } })).status).toBe(401);
    const log = accessLogStore(f.db).list({ principal: 'ada', limit: 10 }).map((e) => [e.action, e.detail]);
    expect(log).toEqual(expect.arrayContaining([['token-created', 'ha (viewer)'], ['token-revoked', made.id]]));
  });

  it('an admin token may change state without Origin (no cookie rides along); it answers the access log', async () => {
    const admin = createToken(f.db, { name: 'script', role: 'admin', createdBy: 'test', expiresMs: null })!;
    const res = await ask(app, '/api/admin/tokens', { method: 'POST', headers: { authorization: `Bearer ${admin.token}` }, body: JSON.stringify({ name: 'by-script', role: 'viewer' }) });
    expect(res.status).toBe(201);
    const log = await body(ask(app, '/api/admin/access-log?action=token-created&limit=1', { headers: { authorization: `Bearer ${admin.token}` } }));
    expect(log.entries[0]).toMatchObject({ action: 'token-created', principal: 'token:script', detail: 'by-script (viewer)', at: expect.any(String) });
  });
});

describe('CSRF', () => {
  it.each([
    ['another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['another port of this host', { origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' }],
    ['no Origin at all, riding on the cookie', {}],
  ])('a POST from %s is refused before anything happens', async (_n, headers) => {
    const before = (await body(ask(app, '/api/admin/tokens', { headers: { cookie: cookies.admin } }))).tokens.length;
    const res = await ask(app, '/api/admin/tokens', { method: 'POST', headers: { ...headers, cookie: cookies.admin }, body: JSON.stringify({ name: 'csrf', role: 'admin' }) });
    expect(res.status).toBe(403);
    expect((await body(res)).error).toMatch(/cross-origin|no Origin/);
    expect((await body(ask(app, '/api/admin/tokens', { headers: { cookie: cookies.admin } }))).tokens.length).toBe(before);
    const signOut = await ask(app, '/auth/sign-out', { method: 'POST', headers: { ...headers, cookie: cookies.viewer } });
    expect(signOut.status).toBe(403);
    expect((await ask(app, '/api/events', { headers: { cookie: cookies.viewer } })).status).toBe(200); // still signed in
  });

  it('another method on a read-only route is 405', async () => {
    expect((await ask(app, '/api/events', { method: 'POST', headers: { origin: ORIGIN, cookie: cookies.admin } })).status).toBe(405);
  });
});

describe('proxies', () => {
  const via = (headers: Record<string, string>, conn: Partial<Connection> = {}) => ({ headers, conn: { ...LOOPBACK, ...conn } });

  it.each([
    ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.9' }],
    ['Forwarded', { forwarded: 'for=203.0.113.9' }],
    ['X-Real-IP', { 'x-real-ip': '203.0.113.9' }],
    ['Via', { via: '1.1 proxy' }],
    ['X-Forwarded-Host', { 'x-forwarded-host': 'nvr.example' }],
  ])('without sign-in, a request carrying %s from an untrusted peer is refused', async (_n, headers) => {
    const noSignIn = createApp({ catalog: sqliteEventCatalog(f.db), config: f.config, storage: f.storage, accessLog: accessLogStore(f.db) });
    const res = await ask(noSignIn, '/api/events', via(headers));
    expect(res.status).toBe(403);
    expect((await body(res)).error).toMatch(/came through a proxy and sign-in is off: add a user \(cctv user add\) or list the proxy in serve\.trustedProxies/);
  });

  it('without sign-in, HTTP/1.0 (nginx\'s default to its upstream, with no headers) is refused; HTTP/1.1 from loopback is fine', async () => {
    const noSignIn = createApp({ catalog: sqliteEventCatalog(f.db), config: f.config, storage: f.storage });
    expect((await ask(noSignIn, '/api/events', via({}, { httpVersion: '1.0' }))).status).toBe(403);
    expect((await ask(noSignIn, '/api/events', via({}, { httpVersion: '1.1' }))).status).toBe(200);
  });

  it('a trusted proxy is believed: the client address goes to the access log; its Host need not be loopback', async () => {
    const res = await ask(open, clip, via({ 'x-forwarded-for': '203.0.113.77', 'x-forwarded-host': 'nvr.example', host: 'nvr.example' }));
    expect(res.status).toBe(200);
    await res.body?.cancel();
    expect(accessLogStore(f.db).list({ action: 'footage', limit: 1 })[0]).toMatchObject({ principal: 'local', address: '203.0.113.77', path: clip, status: 200 });
  });

  it('with sign-in, an untrusted proxy\'s headers are ignored: the peer is the address', async () => {
    const wrong = await ask(app, '/auth/sign-in', {
      method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' },
      body: JSON.stringify({ username: 'vic', password: 'nope-nope' }), conn: { ...LOOPBACK, remoteAddress: '::ffff:192.0.2.200' },
    });
    expect(wrong.status).toBe(401);
    expect(accessLogStore(f.db).list({ action: 'sign-in-failed', limit: 1 })[0]!.address).toBe('192.0.2.200');
  });
});

describe('footage in the access log', () => {
  it('records who watched which clip and recording, from where, once per ten minutes per URL', async () => {
    const log = accessLogStore(f.db);
    const before = log.list({ action: 'footage', principal: 'ada', limit: 100 }).length;
    const conn = { ...LOOPBACK, remoteAddress: '192.0.2.55' };
    for (const range of ['bytes=0-99', 'bytes=100-199', 'bytes=200-']) {
      const res = await ask(app, clip, { headers: { cookie: cookies.admin, range }, conn });
      expect(res.status).toBe(206);
      await res.body?.cancel();
    }
    const rec = `/media/recording/front.mp4?at=${T0 + 5000}&seconds=2`;
    const res = await ask(app, rec, { headers: { cookie: cookies.admin }, conn });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await (await ask(app, (await body(ask(app, '/api/events', { headers: { cookie: cookies.admin } }))).events[0].poster, { headers: { cookie: cookies.admin }, conn })).arrayBuffer();
    const entries = log.list({ action: 'footage', principal: 'ada', limit: 100 });
    expect(entries.length - before).toBe(2);
    expect(entries.slice(0, 2).map((e) => [e.path, e.address, e.method])).toEqual([[rec, '192.0.2.55', 'GET'], [clip, '192.0.2.55', 'GET']]);
  });
});
