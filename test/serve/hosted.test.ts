import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebHandler, hostedApp, parseWebSettings } from '../../src/lambda/web.js';
import { eventToRequest, responseToResult, viewerAddress } from '../../src/lib/serve/function-url.js';
import { listen, type Listening } from '../../src/lib/serve/node.js';
import { functionUrlEvent, send, startSsmStub, type Answer } from '../helpers/function-url-host.js';
import { startHostedFixture, USERS, type HostedFixture } from './hosted-fixture.js';

const cookiesOf = (a: Answer) => ([] as string[]).concat(a.headers['set-cookie'] ?? []);
const jar = (setCookie: string[]) => setCookie.map((c) => c.split(';')[0]!).filter((c) => !c.endsWith('=')).join('; ');

/** Signs `user` in through the pool's form, as a browser would: the cookie header the app's session then is. */
async function signIn(f: HostedFixture, user: keyof typeof USERS): Promise<string> {
  const start = await send(`${f.url}/auth/sign-in?next=/`);
  const authorize = new URL(start.headers.location as string);
  const flow = jar(cookiesOf(start));
  const form = new URLSearchParams({ username: user, password: USERS[user] });
  for (const k of ['redirect_uri', 'state', 'code_challenge', 'nonce']) form.set(k, authorize.searchParams.get(k)!);
  const login = await fetch(`${f.stub.url}/login`, { method: 'POST', body: form, redirect: 'manual' });
  const callback = new URL(login.headers.get('location')!);
  const done = await send(`${f.url}${callback.pathname}${callback.search}`, { headers: { cookie: flow } });
  if (done.status !== 303) throw new Error(`callback answered ${done.status}: ${done.body}`);
  return jar(cookiesOf(done));
}

describe('the hosted app (web Lambda behind the CloudFront + function-URL emulator; dynalite, s3rver, OIDC stub)', () => {
  let f: HostedFixture;
  let node: Listening;
  let certDir: string;
  let vic: string;
  let ada: string;

  beforeAll(async () => {
    f = await startHostedFixture();
    // The same app under node:http(s), for comparison: what the adapter must not change.
    certDir = mkdtempSync(path.join(tmpdir(), 'cctv-hosted-cert-'));
    writeFileSync(path.join(certDir, 'cert.pem'), f.tls.cert);
    writeFileSync(path.join(certDir, 'key.pem'), f.tls.key);
    node = await listen(await hostedApp(f.settings, f.deps), '127.0.0.1', 0, { cert: path.join(certDir, 'cert.pem'), key: path.join(certDir, 'key.pem') });
    vic = await signIn(f, 'vic');
    ada = await signIn(f, 'ada');
  }, 120_000);
  afterAll(async () => {
    await node?.close();
    await f?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  /** What must be equal between the hosts: status, headers but the transport's, cookies by name and attributes, body. */
  function comparable(a: Answer) {
    const headers = Object.fromEntries(Object.entries(a.headers).filter(([k]) => !['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'set-cookie', 'location'].includes(k)));
    const location = a.headers.location ? new URL(a.headers.location as string, 'https://x.invalid') : undefined;
    // Presigned URLs and sign-in redirects carry fresh signatures and random state: compare what is not random.
    if (location) for (const k of [...location.searchParams.keys()]) if (/^X-Amz-|^(state|nonce|code_challenge)$/.test(k)) location.searchParams.set(k, '…');
    const cookies = cookiesOf(a).map((c) => c.replace(/^([^=]+)=[^;]+/, '$1=…'));
    const body = /^__Host-cctv-oidc/.test(cookiesOf(a)[0] ?? '') ? '' : a.body.toString('base64');
    return { status: a.status, headers, location: location?.toString(), cookies, body };
  }

  it('the function-URL adapter answers exactly as node:http on the same requests', async () => {
    const host = new URL(f.url).host;
    const home = f.clips.home[0]!;
    const cases: { path: string; method?: string; headers?: Record<string, string> }[] = [
      { path: '/' }, { path: '/app.js' }, { path: '/app.css' }, { path: '/icon.svg' }, { path: '/no-such-page' },
      { path: '/', headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } },
      { path: '/api/events?site=home' }, { path: '/auth/session' }, { path: '/auth/sign-in?next=/%23/people' },
      { path: '/api/config', headers: { cookie: vic } }, { path: '/api/config', headers: { cookie: ada } },
      { path: '/api/events?site=home&limit=2', headers: { cookie: vic } }, { path: '/api/events?site=home&label=person', headers: { cookie: vic } },
      { path: '/api/events?site=cabin', headers: { cookie: vic } }, { path: '/api/events', headers: { cookie: vic } },
      { path: '/api/events?site=cabin', headers: { cookie: ada } }, { path: '/api/events?site=home&before=garbage', headers: { cookie: ada } },
      { path: `/media/clip/${home}?site=home`, headers: { cookie: vic } }, { path: `/media/clip/${home}?site=home&download=1`, headers: { cookie: vic } },
      { path: `/media/poster/${home.replace(/\.mp4$/, '.mp4')}?site=home`, headers: { cookie: vic } },
      { path: `/media/clip/${home}?site=cabin`, headers: { cookie: ada } },
      { path: '/api/cameras', headers: { cookie: ada } }, { path: '/api/timeline?camera=front', headers: { cookie: ada } },
      { path: '/media/recording/front.mp4?at=2024-05-01T12:00:00Z&site=home', headers: { cookie: ada } },
      { path: '/media/latest/front.jpg?site=home', headers: { cookie: ada } },
      { path: '/', method: 'HEAD', headers: { cookie: vic } },
      { path: '/api/events?site=home', method: 'DELETE', headers: { cookie: vic, origin: f.url, 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } },
      { path: '/auth/sign-out', method: 'POST', headers: { cookie: vic, origin: 'https://evil.example', 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } },
    ];
    for (const c of cases) {
      const init = { method: c.method ?? 'GET', headers: { ...c.headers } };
      const viaLambda = await send(`${f.url}${c.path}`, init);
      const viaNode = await send(`${node.url}${c.path}`, { ...init, headers: { ...init.headers, host } });
      const label = `${init.method} ${c.path} ${c.headers?.cookie === vic ? '(vic)' : c.headers?.cookie === ada ? '(ada)' : ''}`;
      expect(comparable(viaLambda), label).toEqual(comparable(viaNode));
    }
    // And the cases above covered what matters: success, redirects, refusals of each kind.
    expect(f.stub.seen.filter((s) => s === 'POST /oauth2/token').length).toBeGreaterThanOrEqual(2);
  });

  it('users see only their groups\' sites; another site\'s event, clip or poster answers 404 like one that does not exist', async () => {
    const get = async (p: string, cookie: string) => send(`${f.url}${p}`, { headers: { cookie } });
    expect(JSON.parse((await get('/api/config', vic)).body.toString())).toEqual({
      user: { name: 'vic', role: 'viewer', sites: ['home'] }, capabilities: { live: false, timeline: false, export: false, review: false }, cameras: [], sites: ['home'], mediaUrlSeconds: 300,
    });
    expect(JSON.parse((await get('/api/config', ada)).body.toString()).sites).toEqual(['home', 'cabin']);
    const homeEvents = JSON.parse((await get('/api/events?site=home', vic)).body.toString()) as { events: { id: string; clip: string; poster: string }[] };
    expect(homeEvents.events.map((e) => e.id)).toEqual([...f.events.home].reverse());
    expect(homeEvents.events[0]!.clip).toBe(`/media/clip/${f.clips.home[2]!.split('/').map(encodeURIComponent).join('/')}?site=home`);
    const cabin = f.clips.cabin[0]!;
    const refusedAsMissing = [
      await get('/api/events?site=cabin', vic), await get(`/media/clip/${cabin}?site=cabin`, vic), await get(`/media/poster/${cabin}?site=cabin`, vic),
      await get(`/media/clip/${cabin}?site=home`, vic), await get('/api/events?site=nowhere', vic), await get(`/media/clip/${cabin}`, vic),
      // a key is looked up in the site's catalog, never taken from the URL
      await get(`/media/clip/../cabin/${cabin}?site=home`, vic), await get(`/media/clip/${f.clips.home[0]!.replace('.mp4', '.json')}?site=home`, vic),
    ];
    for (const r of refusedAsMissing) expect(r.status).toBe(404);
    expect(new Set(refusedAsMissing.slice(0, 2).map((r) => JSON.parse(r.body.toString()).error))).toEqual(new Set(['no site "cabin": name one of yours with ?site=']));
    const mine = await get(`/media/clip/${cabin}?site=cabin`, ada);
    expect(mine.status).toBe(302);
    const location = new URL(mine.headers.location as string);
    expect(location.pathname).toBe(`/${f.s3.bucket}/cabin/${cabin}`);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
    expect((await fetch(location)).status).toBe(200);
  });

  it('security headers and cookie flags: __Host- Secure HttpOnly SameSite=Lax session, CSP with the S3 origin, no framing', async () => {
    const start = await send(`${f.url}/auth/sign-in`);
    expect(cookiesOf(start)[0]).toMatch(/^__Host-cctv-oidc=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
    expect(vic).toMatch(/^__Host-cctv-session=[A-Za-z0-9_-]{43}$/);
    const res = await send(`${f.url}/`, { headers: { cookie: vic } });
    expect(res.headers['content-security-policy']).toContain(`media-src 'self' ${new URL(f.s3.endpoint).origin}`);
    expect(res.headers).toMatchObject({ 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin' });
    const out = await send(`${f.url}/auth/sign-out`, { method: 'POST', headers: { cookie: await signIn(f, 'cat'), origin: f.url, 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
    expect(out.status).toBe(200);
    expect(cookiesOf(out)).toContain('__Host-cctv-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure');
  });

  it('OAC\'s signature is not taken for the viewer\'s credentials: a cookie-riding POST without Origin is refused (CSRF)', async () => {
    const cookie = await signIn(f, 'cat');
    const res = await send(`${f.url}/auth/sign-out`, { method: 'POST', headers: { cookie, 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString()).error).toMatch(/no Origin header/);
    expect((await send(`${f.url}/api/config`, { headers: { cookie } })).status).toBe(200); // still signed in
    // Without the body's hash the function URL itself refuses a POST behind OAC (the emulator does as AWS documents).
    expect((await send(`${f.url}/auth/sign-out`, { method: 'POST', headers: { cookie, origin: f.url } })).status).toBe(403);
  });

  it('adapter: the viewer\'s address, the public host, cookies and bodies', async () => {
    expect(viewerAddress({ 'x-forwarded-for': '198.51.100.7, 130.176.0.1' }, '130.176.0.1')).toBe('198.51.100.7');
    expect(viewerAddress({ 'x-forwarded-for': '10.0.0.1, 198.51.100.7, 130.176.0.1' }, '130.176.0.1')).toBe('198.51.100.7');
    expect(viewerAddress({ 'cloudfront-viewer-address': '2001:db8::5:46532', 'x-forwarded-for': '1.2.3.4' }, '130.176.0.1')).toBe('2001:db8::5');
    expect(viewerAddress({}, '130.176.0.1')).toBe('130.176.0.1');
    const event = functionUrlEvent({ method: 'POST', url: '/auth/sign-out?x=1&x=2', headers: { cookie: 'a=1; b=2', 'content-type': 'text/plain' }, body: Buffer.from('hi'), viewerIp: '198.51.100.7' });
    const { request, conn } = eventToRequest(event, 'd111.cloudfront.net');
    expect(request.url).toBe('https://d111.cloudfront.net/auth/sign-out?x=1&x=2');
    expect(Object.fromEntries(request.headers)).toEqual({ host: 'd111.cloudfront.net', cookie: 'a=1; b=2', 'content-type': 'text/plain', 'x-amz-cf-id': 'test-cf-id' });
    expect(await request.text()).toBe('hi');
    expect(conn).toEqual({ remoteAddress: '198.51.100.7', secure: true, httpVersion: '1.1' });
    const jpeg = await responseToResult(new Response(Buffer.from([0xff, 0xd8, 0xff]), { headers: { 'content-type': 'image/jpeg' } }));
    expect(jpeg).toMatchObject({ statusCode: 200, body: '/9j/', isBase64Encoded: true, cookies: [] });
    const res = new Response('{"a":1}', { status: 201, headers: { 'content-type': 'application/json' } });
    res.headers.append('set-cookie', 'a=1; Path=/');
    res.headers.append('set-cookie', 'b=2; Path=/');
    expect(await responseToResult(res)).toEqual({ statusCode: 201, headers: { 'content-type': 'application/json' }, cookies: ['a=1; Path=/', 'b=2; Path=/'], body: '{"a":1}', isBase64Encoded: false });
  });

  it('settings: one SSM parameter read once per container; a bad one fails with the key to fix, and is read again next time', async () => {
    const parameters = new Map([['/x/web/settings', JSON.stringify({ ...f.settings, sites: ['Home!'], presignSeconds: 5000 })]]);
    const ssm = await startSsmStub(parameters);
    try {
      const handler = createWebHandler({ ...f.deps, env: { CCTV_WEB_SETTINGS: '/x/web/settings', AWS_REGION: 'eu-west-2' }, ssm: new SSMClient({ endpoint: ssm.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 't', secretAccessKey: 't' } }) });
      const event = functionUrlEvent({ method: 'GET', url: '/api/config', headers: {}, body: Buffer.alloc(0), viewerIp: '198.51.100.7' });
      await expect(handler(event)).rejects.toThrow(/\/x\/web\/settings: sites\.0 each must be a site name.*; presignSeconds/);
      parameters.set('/x/web/settings', JSON.stringify(f.settings));
      expect((await handler(event)).statusCode).toBe(401);
      expect((await handler(event)).statusCode).toBe(401);
      expect(ssm.asked).toEqual(['AmazonSSM.GetParameter /x/web/settings', 'AmazonSSM.GetParameter /x/web/settings']);
    } finally {
      await ssm.close();
    }
    expect(() => parseWebSettings('{', 'p')).toThrow('p: not JSON');
    expect(() => parseWebSettings(JSON.stringify({ ...f.settings, extra: 1 }), 'p')).toThrow(/p: .*extra/);
    await expect(createWebHandler({ env: {} })(functionUrlEvent({ method: 'GET', url: '/', headers: {}, body: Buffer.alloc(0), viewerIp: '1.2.3.4' }))).rejects.toThrow(/CCTV_WEB_SETTINGS/);
  });
});
