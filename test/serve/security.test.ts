import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/lib/config/schema.js';
import { UserError } from '../../src/lib/errors.js';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { startServe, type Listening } from '../../src/lib/serve/index.js';
import { assertBindAllowed, hostAllowed, isLoopback } from '../../src/lib/serve/security.js';
import { runCctv, tempProject } from '../helpers/cli.js';
import { makeServeFixture, T0, type ServeFixture } from './fixture.js';

const AUTH = { username: 'owner', password: 'correct horse battery' };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

let f: ServeFixture;
let server: Listening;
let base: URL;
let clip: string;
let poster: string;

/** A raw HTTP GET: the path goes out exactly as written (no client-side normalisation of `..`). */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

beforeAll(async () => {
  f = await makeServeFixture({ serve: { auth: AUTH } });
  server = await startServe({ config: f.config, catalog: sqliteEventCatalog(f.db), host: '127.0.0.1', port: 0 });
  base = new URL(server.url);
  const list = JSON.parse((await raw('/api/events?label=person', { authorization: basic(AUTH.username, AUTH.password) })).body);
  clip = list.events[0].clip;
  poster = list.events[0].poster;
}, 120_000);
afterAll(async () => {
  await server?.close();
  f?.db.close();
  if (f) rmSync(f.dataDir, { recursive: true, force: true });
});

describe('authentication on every route', () => {
  const routes = () => [
    '/', '/app.js', '/api/cameras', '/api/events', '/api/timeline?camera=front&day=2024-05-01', '/api/admin/users',
    clip, `${clip}?download=1`, poster, `/media/recording/front.mp4?at=${T0 + 5000}`, '/media/latest/front.jpg', '/nope',
    '/api/config', `/media/thumb/front.jpg?at=${T0 + 5000}`, `/api/export?camera=front&from=${T0}&to=${T0 + 10_000}`,
  ];
  const publicRoutes = ['/sign-in', '/sign-in.js', '/app.css', '/icon.svg', '/manifest.webmanifest', '/icon-192.png', '/apple-touch-icon.png'];

  it('answers 401 (JSON, no Basic prompt) with the security headers without credentials, or with wrong ones', async () => {
    for (const [i, p] of routes().entries()) {
      // Wrong passwords on two routes only: a fifth one from this address would be throttled (auth-app.test.ts).
      const wrong = i < 2 ? [basic(AUTH.username, 'wrong password'), basic('admin', AUTH.password)] : [];
      for (const authorization of [undefined, ...wrong, 'Bearer x']) {
        const res = await raw(p, authorization ? { authorization } : {});
        expect(res.status, `${p} ${authorization}`).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="cctv"');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(JSON.parse(res.body).error).toMatch(/sign in first/);
      }
    }
  });

  it('sends a page navigation to the sign-in page, remembering where it was going', async () => {
    const res = await raw('/api/events?camera=front', { 'sec-fetch-mode': 'navigate', accept: 'text/html' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent('/api/events?camera=front')}`);
    expect((await raw('/', { accept: 'text/html' })).headers.location).toBe('/sign-in');
  });

  it('serves the sign-in page and what it loads to anybody', async () => {
    for (const p of publicRoutes) expect((await raw(p)).status, p).toBe(200);
  });

  it('lets the owner in (HTTP Basic still works for scripts), with security headers on every answer', async () => {
    for (const p of [...routes(), ...publicRoutes]) {
      const res = await raw(p, { authorization: basic(AUTH.username, AUTH.password) });
      expect(res.status, p).toBe(p === '/nope' ? 404 : 200);
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'self'; /);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('no path traversal', () => {
  it.each([
    '/media/clip/../../catalog.db',
    '/media/clip/..%2F..%2Fcatalog.db',
    '/media/clip/%2e%2e/%2e%2e/catalog.db',
    '/media/clip/clips/front/2024/05/01/..%2F..%2F..%2F..%2F..%2Fcatalog.db',
    '/media/poster/..%2f..%2fcatalog.db',
    '/media/clip/%2Fetc%2Fpasswd',
    '/media/clip/%E0%A4%A',
    '/media/recording/..%2Ffront.mp4?at=2024-05-01T12:00:05Z',
    '/media/recording/%2E%2E.mp4?at=2024-05-01T12:00:05Z',
    '/media/latest/..%2F..%2Fcatalog.db.jpg',
    '/media/latest/..%2Ffront.jpg',
    '/../../etc/passwd',
    '/app.js/../../package.json',
    '/static/app.js',
    '/index.html',
    '//etc/passwd',
  ])('%s → 400 or 404, nothing from the disk', async (p) => {
    const res = await raw(p, { authorization: basic(AUTH.username, AUTH.password) });
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toMatch(/SQLite format|root:|"name": "cctv"/);
  });
});

describe('binding', () => {
  it('allows loopback without auth and refuses other addresses without it (unit)', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.168.1.5', '::', 'example.com', '::ffff:10.0.0.1']) expect(isLoopback(h), h).toBe(false);
    expect(() => assertBindAllowed('0.0.0.0', false)).toThrow(UserError);
    expect(() => assertBindAllowed('0.0.0.0', true)).not.toThrow();
  });

  it('without sign-in, a Host header must be loopback (DNS rebinding)', () => {
    expect(hostAllowed('127.0.0.1:8080')).toBe(true);
    expect(hostAllowed('localhost:8080')).toBe(true);
    expect(hostAllowed('[::1]:8080')).toBe(true);
    expect(hostAllowed('evil.example:8080')).toBe(false);
    expect(hostAllowed(null)).toBe(false);
  });

  it('startServe on 0.0.0.0 without serve.auth rejects with a clear message', async () => {
    const config = configSchema.parse({ dataDir: f.dataDir, storage: { url: f.config.storage.url } });
    await expect(startServe({ config, catalog: sqliteEventCatalog(f.db), host: '0.0.0.0', port: 0 })).rejects.toThrow(/serve\.host 0\.0\.0\.0 .*cctv user add NAME --role admin/);
  });

  it('`cctv serve --host 0.0.0.0` without serve.auth exits 2 naming the fix', async () => {
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1/x' } } });
    const r = await runCctv(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cctv: serve\.host 0\.0\.0\.0 is reachable from other machines: turn sign-in on .*serve\.auth/);
    rmSync(dir, { recursive: true, force: true });
  });
});
