import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogStore } from '../../src/lib/catalog/access-log.js';
import { openDb } from '../../src/lib/catalog/db.js';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { configSchema } from '../../src/lib/config/schema.js';
import { addAccount } from '../../src/lib/serve/auth/accounts.js';
import { startServe, type Listening } from '../../src/lib/serve/index.js';
import { startNginx } from '../helpers/nginx.js';
import { ARTIFACTS, launchChromium, signIn } from './browser.js';
import { closeServeFixture, makeServeFixture, type ServeFixture } from './fixture.js';

/**
 * Sign-in and the web app's security in Debian's Chromium, against `cctv serve` on real sockets: the sign-in page,
 * cookie flags, sign-out, a viewer and the admin routes, session expiry, CSRF from another origin, TLS with a
 * self-signed certificate (openssl), Debian's nginx in front without sign-in, and throttled wrong passwords.
 */

const ADA = { username: 'ada', password: 'ada-password-1' };
const VIC = { username: 'vic', password: 'vic-password-1' };
let f: ServeFixture;
let server: Listening;
let browser: Awaited<ReturnType<typeof launchChromium>>;

/** A plain fetch from the test (not the browser) with a cookie: what the server thinks of it. */
const statusWith = async (url: string, cookie: string) => (await fetch(url, { headers: { cookie }, redirect: 'manual' })).status;

async function sessionCookie() {
  const cookies = await browser.context.cookies();
  return cookies.find((c) => c.name.endsWith('cctv-session'));
}

beforeAll(async () => {
  f = await makeServeFixture();
  await addAccount(f.db, { name: ADA.username, password: ADA.password, role: 'admin' });
  await addAccount(f.db, { name: VIC.username, password: VIC.password, role: 'viewer' });
  server = await startServe({ config: f.config, catalog: sqliteEventCatalog(f.db), host: '127.0.0.1', port: 0 });
  browser = await launchChromium({ timezoneId: 'UTC' });
}, 120_000);
afterAll(() => closeServeFixture(f, browser, server));

describe('sign-in in Chromium', () => {
  it('sends a visitor to the sign-in page; signing in opens the app with the user named; the cookie is HttpOnly, SameSite=Lax', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/people`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-sign-in.png') });
    await page.fill('#username', ADA.username);
    await page.fill('#password', ADA.password);
    await page.click('#submit');
    await page.waitForSelector('.event-card');
    expect(new URL(page.url()).hash).toBe('#/people'); // where it was going
    expect(await page.textContent('#who-name')).toBe('ada (admin)');
    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ name: 'cctv-session', httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400); // kept across browser restarts, 30 days
    expect(await page.evaluate('document.cookie')).toBe(''); // no script reads it
  });

  it('a viewer sees the app but not the admin routes', async () => {
    await browser.context.clearCookies();
    const { page } = browser;
    await signIn(page, server.url, VIC);
    await page.waitForSelector('.event-card');
    expect(await page.textContent('#who-name')).toBe('vic (viewer)');
    for (const p of ['/api/admin/users', '/api/admin/tokens', '/api/admin/access-log']) {
      const res = await page.goto(`${server.url}${p}`);
      expect(res!.status(), p).toBe(403);
    }
    await page.goto(server.url);
    const posted = await page.evaluate(async () => {
      const res = await fetch('/api/admin/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mine', role: 'admin' }) });
      return res.status;
    });
    expect(posted).toBe(403);
  });

  it('CSRF: a page on another origin (another port of this host, so the cookie rides along) can neither sign out nor create a token', async () => {
    await browser.context.clearCookies();
    const { page } = browser;
    await signIn(page, server.url, ADA);
    const evil: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><body>
        <form id="out" method="post" action="${server.url}/auth/sign-out"></form>
        <script>
          fetch('${server.url}/api/admin/tokens', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' },
                body: JSON.stringify({ name: 'planted', role: 'admin' }) })
            .finally(() => document.getElementById('out').submit());
        </script></body>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const port = (evil.address() as { port: number }).port;
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForURL(`${server.url}/auth/sign-out`);
      expect(await page.textContent('body')).toMatch(/cross-origin request/);
    } finally {
      evil.closeAllConnections();
      await new Promise((r) => evil.close(r));
    }
    await page.goto(server.url);
    const tokens = await page.evaluate(async () => ((await (await fetch('/api/admin/tokens')).json()) as { tokens: { name: string }[] }).tokens.map((t) => t.name));
    expect(tokens).not.toContain('planted');
    expect(await page.textContent('#who-name')).toBe('ada (admin)'); // still signed in
    const refused = accessLogStore(f.db).list({ action: 'refused', limit: 10 }).filter((e) => e.principal === null && /cross-origin/.test(e.detail ?? ''));
    expect(refused.map((e) => e.path).sort()).toEqual(['/api/admin/tokens', '/auth/sign-out']);
  });

  it('an idle session ends server-side: the app sends the person to sign in, then back to the view they asked for', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/events`);
    await page.waitForSelector('.event-card');
    f.db.prepare('UPDATE sessions SET seen_ms = seen_ms - ? WHERE user = ?').run(73 * 3_600_000, 'ada'); // 73 h idle (limit 72 h)
    await page.click('nav a[data-view="people"]');
    await page.waitForURL((u) => u.pathname === '/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/#/people');
    expect(await sessionCookie()).toBeUndefined(); // the stale cookie was cleared
    await page.fill('#username', ADA.username);
    await page.fill('#password', ADA.password);
    await page.click('#submit');
    await page.waitForURL((u) => u.hash === '#/people');
    await page.waitForSelector('.event-card');
  });

  it('signing out removes the cookie and ends the session server-side', async () => {
    const { page } = browser;
    const before = await sessionCookie();
    expect(await statusWith(`${server.url}/api/events`, `${before!.name}=${before!.value}`)).toBe(200);
    await page.click('#sign-out');
    await page.waitForURL((u) => u.pathname === '/sign-in');
    expect(await sessionCookie()).toBeUndefined();
    expect(await statusWith(`${server.url}/api/events`, `${before!.name}=${before!.value}`)).toBe(401); // a copy of it is dead
    expect(accessLogStore(f.db).list({ action: 'sign-out', limit: 1 })[0]).toMatchObject({ principal: 'ada', address: '127.0.0.1' });
  });
});

describe('TLS (serve.tls) with a self-signed certificate', () => {
  let dir: string;
  let tlsServer: Listening;
  const makeCert = (name: string) =>
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
  const servedCert = (url: string) =>
    new Promise<string>((resolve, reject) => {
      const u = new URL(url);
      const s = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
        resolve(s.getPeerX509Certificate()!.subject);
        s.end();
      }).on('error', reject);
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cctv-tls-'));
    makeCert('cctv-first');
    const config = { ...f.config, serve: { ...f.config.serve, tls: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') } } };
    tlsServer = await startServe({ config, catalog: sqliteEventCatalog(f.db), host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await tlsServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS; the session cookie is __Host-, Secure, HttpOnly', async () => {
    expect(tlsServer.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const tlsBrowser = await launchChromium({ ignoreHTTPSErrors: true });
    try {
      await signIn(tlsBrowser.page, tlsServer.url, ADA);
      await tlsBrowser.page.waitForSelector('.event-card');
      const cookies = await tlsBrowser.context.cookies();
      expect(cookies.map((c) => c.name)).toEqual(['__Host-cctv-session']);
      expect(cookies[0]).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
    } finally {
      await tlsBrowser.close();
    }
  });

  it('loads a renewed certificate on SIGHUP, without a restart', async () => {
    expect(await servedCert(tlsServer.url)).toBe('CN=cctv-first');
    makeCert('cctv-renewed');
    expect(new X509Certificate(readFileSync(path.join(dir, 'cert.pem'))).subject).toBe('CN=cctv-renewed');
    process.kill(process.pid, 'SIGHUP');
    await expect.poll(() => servedCert(tlsServer.url), { timeout: 5000 }).toBe('CN=cctv-renewed');
  });
});

describe('a reverse proxy on the same host (Debian nginx) without sign-in', () => {
  let dataDir: string;
  let db: ReturnType<typeof openDb>;
  let open: Listening;
  let trusting: Listening;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cctv-proxy-'));
    db = openDb(dataDir);
    const config = configSchema.parse({ dataDir, storage: { url: `file://${dataDir}/archive` } });
    open = await startServe({ config, catalog: sqliteEventCatalog(db), host: '127.0.0.1', port: 0 });
    const trustingConfig = configSchema.parse({ dataDir, storage: { url: `file://${dataDir}/archive` }, serve: { trustedProxies: ['127.0.0.1'] } });
    trusting = await startServe({ config: trustingConfig, catalog: sqliteEventCatalog(db), host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await open?.close();
    await trusting?.close();
    db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('nginx with its defaults (HTTP/1.0, Host 127.0.0.1, no forwarding headers) cannot publish the cameras', async () => {
    const nginx = await startNginx(open.url);
    stops.push(nginx.stop);
    const { page } = browser;
    expect((await page.goto(`${open.url}/api/events`))!.status()).toBe(200); // direct, on this machine: fine
    const res = await page.goto(`${nginx.url}/api/events`);
    expect(res!.status()).toBe(403);
    expect(await page.textContent('body')).toMatch(/HTTP\/1\.0 .* sign-in is off/);
  });

  it('nginx as usually configured (HTTP/1.1, X-Forwarded-For) is refused too', async () => {
    const nginx = await startNginx(open.url, 'proxy_http_version 1.1; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    stops.push(nginx.stop);
    const res = await browser.page.goto(`${nginx.url}/`);
    expect(res!.status()).toBe(403);
    expect(await browser.page.textContent('body')).toMatch(/came through a proxy and sign-in is off/);
  });

  it('listed in serve.trustedProxies, it is believed (it may do the sign-in itself): the client address is its report', async () => {
    const nginx = await startNginx(trusting.url, 'proxy_set_header X-Real-IP 198.51.100.23;');
    stops.push(nginx.stop);
    const res = await browser.page.goto(`${nginx.url}/`);
    expect(res!.status()).toBe(200);
    await browser.page.waitForSelector('nav');
    expect(await browser.page.isHidden('#who')).toBe(true); // no sign-in: nothing to sign out of
    // A refused request through it is logged with the address nginx reported.
    expect((await fetch(`${nginx.url}/auth/sign-out`, { method: 'POST', headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect(accessLogStore(db).list({ action: 'refused', limit: 1 })[0]).toMatchObject({ address: '198.51.100.23', path: '/auth/sign-out' });
  });
});

describe('wrong passwords in Chromium (last: it locks this address for a while)', () => {
  it('says so, then throttles: 429, the wait shown and the button off until it is over; then the right password works', async () => {
    await browser.context.clearCookies();
    const { page } = browser;
    await page.goto(`${server.url}/sign-in`);
    await page.fill('#username', VIC.username);
    let throttled = false;
    for (let i = 0; i < 10 && !throttled; i++) {
      await page.fill('#password', `wrong-password-${i}`);
      const answer = page.waitForResponse((r) => r.url().endsWith('/auth/sign-in'));
      await page.click('#submit');
      const status = (await answer).status();
      throttled = status === 429;
      if (!throttled) {
        expect(status).toBe(401);
        await expect.poll(() => page.textContent('#message')).toBe('Wrong user name or password.');
      }
    }
    expect(throttled).toBe(true);
    expect(await page.textContent('#message')).toMatch(/^Too many wrong passwords\. Try again in \d+ s\.$/);
    expect(await page.isDisabled('#submit')).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-sign-in-throttled.png') });
    await page.waitForSelector('#submit:not([disabled])', { timeout: 60_000 });
    await page.fill('#password', VIC.password);
    await page.click('#submit');
    await page.waitForURL((u) => u.pathname === '/');
    expect(accessLogStore(f.db).list({ action: 'throttled', limit: 1 })[0]).toMatchObject({ address: '127.0.0.1', status: 429 });
  });
});
