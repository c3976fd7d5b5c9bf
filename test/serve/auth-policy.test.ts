import { describe, expect, it } from 'vitest';
import { ACCESS_RULES, isFootage, permits, requiredAccess } from '../../src/lib/serve/auth/access.js';
import { RecentKeys } from '../../src/lib/serve/auth/audit.js';
import { hashPassword, parseHash, passwordProblem, verifyPassword } from '../../src/lib/serve/auth/passwords.js';
import {
  clearedCookies, DEFAULT_SESSION_POLICY as P, sessionCookie, sessionIdFrom, sessionVerdict, type SessionTimes,
} from '../../src/lib/serve/auth/session-policy.js';
import { addressKey, ADDRESS_POLICY, afterFailure, lockedUntil, NAME_POLICY, retryAfterSeconds, Throttle } from '../../src/lib/serve/auth/throttle.js';
import { parseToken } from '../../src/lib/serve/auth/tokens.js';
import { csrfRefusal, forwardedClient, plainAddress, trustedProxyList } from '../../src/lib/serve/security.js';

const H = 3_600_000;
const ID = 'A'.repeat(43);

describe('session decisions (sessionVerdict)', () => {
  const s = (o: Partial<SessionTimes> = {}): SessionTimes => ({ signedInMs: 0, seenMs: 0, issuedMs: 0, retireMs: null, ...o });
  it.each([
    ['just signed in', s(), 1000, { valid: true, rotate: false, touch: false }],
    ['a minute on: the last request is written again', s(), 60_000, { valid: true, rotate: false, touch: true }],
    ['an hour on: a new id', s({ seenMs: 59 * 60_000 }), H, { valid: true, rotate: true, touch: true }],
    ['idle just under the limit', s(), P.idleMs - 1, { valid: true, rotate: true, touch: true }],
    ['idle for the limit', s(), P.idleMs, { valid: false, why: 'idle' }],
    ['in use, but past the absolute limit', s({ seenMs: P.absoluteMs - 1000, issuedMs: P.absoluteMs - 1000 }), P.absoluteMs, { valid: false, why: 'absolute' }],
    ['rotated: serves requests in flight, never rotates again', s({ issuedMs: 0, retireMs: 2 * H }), 2 * H - 1, { valid: true, rotate: false, touch: false }],
    ['rotated: gone after its grace', s({ retireMs: 2 * H }), 2 * H, { valid: false, why: 'rotated' }],
    ['clock stepped back: still valid, nothing rewritten', s({ signedInMs: 10 * H, seenMs: 10 * H, issuedMs: 10 * H }), 9 * H, { valid: true, rotate: false, touch: false }],
    ['clock stepped far forward: ended', s(), 400 * 24 * H, { valid: false, why: 'absolute' }],
  ] as const)('%s', (_name, times, now, expected) => {
    expect(sessionVerdict(times, now, P)).toMatchObject(expected);
  });

  it('the cookie lives until the absolute end, rounded up to a second', () => {
    expect(sessionVerdict(s(), 1500, P)).toMatchObject({ maxAgeS: Math.ceil((P.absoluteMs - 1500) / 1000) });
  });
});

describe('session cookies', () => {
  it.each([
    [true, `__Host-cctv-session=${ID}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure`],
    [false, `cctv-session=${ID}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax`],
  ])('secure %s', (secure, expected) => {
    expect(sessionCookie(ID, secure, 3600)).toBe(expected);
  });

  it('clearing removes both names over TLS, the plain one over HTTP', () => {
    expect(clearedCookies(true)).toEqual([
      '__Host-cctv-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
      'cctv-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    ]);
    expect(clearedCookies(false)).toEqual(['cctv-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax']);
  });

  it.each([
    [null, undefined],
    ['', undefined],
    [`cctv-session=${ID}`, ID],
    [`theme=dark; cctv-session=${ID}; x=1`, ID],
    [`cctv-session=${'B'.repeat(43)}; __Host-cctv-session=${ID}`, ID],
    [`__Host-cctv-session=short; cctv-session=${ID}`, ID],
    [`cctv-session=${ID.slice(1)}`, undefined],
    [`cctv-session=${ID}A`, undefined],
    ['cctv-session=../../etc/passwd', undefined],
    [`xcctv-session=${ID}`, undefined],
    [`cctv-session=${'C'.repeat(43)}; cctv-session=${ID}`, 'C'.repeat(43)],
  ])('%s → %s', (header, expected) => {
    expect(sessionIdFrom(header)).toBe(expected);
  });
});

describe('throttling', () => {
  it.each([
    ['no failures', undefined, 0],
    ['4 failures: free', { failures: 4, lastMs: 1000 }, 0],
    ['5th failure: 1 s', { failures: 5, lastMs: 1000 }, 2000],
    ['6th: 2 s', { failures: 6, lastMs: 1000 }, 3000],
    ['10th: 32 s', { failures: 10, lastMs: 1000 }, 33_000],
    ['100th: capped at 15 min', { failures: 100, lastMs: 1000 }, 1000 + 15 * 60_000],
  ] as const)('per address, %s', (_n, strikes, until) => {
    expect(lockedUntil(strikes, ADDRESS_POLICY)).toBe(until);
  });

  it('per name: 10 free, capped at 5 minutes', () => {
    expect(lockedUntil({ failures: 9, lastMs: 0 }, NAME_POLICY)).toBe(0);
    expect(lockedUntil({ failures: 10, lastMs: 0 }, NAME_POLICY)).toBe(1000);
    expect(lockedUntil({ failures: 50, lastMs: 0 }, NAME_POLICY)).toBe(5 * 60_000);
  });

  it('failures add up, and are forgotten a while after the last', () => {
    expect(afterFailure(undefined, 5, ADDRESS_POLICY)).toEqual({ failures: 1, lastMs: 5 });
    expect(afterFailure({ failures: 3, lastMs: 0 }, 1000, ADDRESS_POLICY)).toEqual({ failures: 4, lastMs: 1000 });
    expect(afterFailure({ failures: 30, lastMs: 0 }, ADDRESS_POLICY.forgetMs, ADDRESS_POLICY)).toEqual({ failures: 1, lastMs: ADDRESS_POLICY.forgetMs });
  });

  it.each([
    [[0, 0], 1000, 0],
    [[900, 0], 1000, 0],
    [[1001, 0], 1000, 1],
    [[0, 62_500], 1000, 62],
    [[5000, 62_500], 1000, 62],
  ] as const)('retry after: locks %j at %i → %i s', (locks, now, s) => {
    expect(retryAfterSeconds(locks, now)).toBe(s);
  });

  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('address key %s → %s', (a, key) => {
    expect(addressKey(a)).toBe(key);
  });

  it('Throttle: an address is locked after 5 wrong passwords, a name after 10 (from any address); success clears', () => {
    let t = 0;
    const th = new Throttle(() => t);
    for (let i = 0; i < 5; i++) th.failed('192.0.2.1', 'ada');
    expect(th.retryAfter('192.0.2.1', 'ada')).toBe(1);
    expect(th.retryAfter('192.0.2.1', 'bob')).toBe(1); // the address, whatever name it tries
    expect(th.retryAfter('192.0.2.2', 'ada')).toBe(0);
    for (let i = 0; i < 5; i++) th.failed(`198.51.100.${i}`, 'ada');
    expect(th.retryAfter('192.0.2.2', 'ada')).toBe(1); // the name, from anywhere
    t = 2000;
    expect(th.retryAfter('192.0.2.2', 'ada')).toBe(0);
    th.succeeded('192.0.2.1', 'ada');
    expect(th.retryAfter('192.0.2.1', 'ada')).toBe(0);
    for (let i = 0; i < 5; i++) th.failed('2001:db8:1:2::1');
    expect(th.retryAfter('2001:db8:1:2::ffff', 'x')).toBe(1); // the same /64
  });
});

describe('CSRF (csrfRefusal)', () => {
  const own = 'http://127.0.0.1:8080';
  it.each([
    ['GET from anywhere', { method: 'GET', origin: 'https://evil.example', fetchSite: 'cross-site' }, true],
    ['POST from the app (Origin)', { method: 'POST', origin: own, fetchSite: 'same-origin' }, true],
    ['POST from the app, Origin only', { method: 'POST', origin: own, fetchSite: null }, true],
    ['POST, Sec-Fetch-Site same-origin only', { method: 'POST', origin: null, fetchSite: 'same-origin' }, true],
    ['POST from another site', { method: 'POST', origin: 'https://evil.example', fetchSite: 'cross-site' }, false],
    ['POST from another port of this host (same-site)', { method: 'POST', origin: 'http://127.0.0.1:9000', fetchSite: 'same-site' }, false],
    ['POST, Origin of another port, no Sec-Fetch-Site', { method: 'POST', origin: 'http://127.0.0.1:9000', fetchSite: null }, false],
    ['POST with Origin null (sandboxed frame, redirect)', { method: 'POST', origin: 'null', fetchSite: null }, false],
    ['DELETE with no Origin, no Sec-Fetch-Site, no Authorization', { method: 'DELETE', origin: null, fetchSite: null }, false],
    ['DELETE from a script with a token', { method: 'DELETE', origin: null, fetchSite: null, authorization: true }, true],
    ['a token does not excuse a foreign Origin', { method: 'POST', origin: 'https://evil.example', fetchSite: null, authorization: true }, false],
    ['PUT, https origin vs http server', { method: 'PUT', origin: 'https://127.0.0.1:8080', fetchSite: null }, false],
  ] as const)('%s', (_n, r, allowed) => {
    const refusal = csrfRefusal({ authorization: false, ownOrigin: own, ...r });
    expect(refusal === undefined).toBe(allowed);
  });
});

describe('proxies (forwardedClient, trustedProxyList)', () => {
  const trusted = trustedProxyList(['127.0.0.1', '10.0.0.0/8', '::1']);
  const h = (o: Record<string, string>) => new Headers(o);
  const peer = (address: string, secure = false) => ({ address, secure });

  it.each([
    ['a browser, direct', {}, peer('192.0.2.9'), { proxied: false, trusted: false, client: { address: '192.0.2.9', secure: false }, host: null }],
    ['headers from an untrusted peer are not believed', { 'x-forwarded-for': '203.0.113.5' }, peer('192.0.2.9'), { proxied: true, trusted: false, client: { address: '192.0.2.9', secure: false } }],
    ['Via alone marks a proxy', { via: '1.1 nginx' }, peer('::ffff:127.0.0.1'), { proxied: true, trusted: true, client: { address: '127.0.0.1' } }],
    ['X-Forwarded-For from a trusted proxy', { 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'nvr.example' }, peer('127.0.0.1'), { trusted: true, client: { address: '203.0.113.5', secure: true }, host: 'nvr.example' }],
    ['a chain: the last untrusted address (a client cannot forge its way past our proxies)', { 'x-forwarded-for': '1.1.1.1, 203.0.113.5, 10.1.2.3' }, peer('127.0.0.1'), { client: { address: '203.0.113.5' } }],
    ['every hop trusted: the first', { 'x-forwarded-for': '10.0.0.2, 10.0.0.3' }, peer('127.0.0.1'), { client: { address: '10.0.0.2' } }],
    ['X-Real-IP', { 'x-real-ip': '198.51.100.4' }, peer('::1'), { client: { address: '198.51.100.4' } }],
    ['RFC 7239 Forwarded with IPv6 and port', { forwarded: 'for="[2001:db8::17]:4711";proto=https;host=cam.example' }, peer('127.0.0.1'), { client: { address: '2001:db8::17', secure: true }, host: 'cam.example' }],
    ['Forwarded chain: the nearest element gives proto and host', { forwarded: 'for=1.2.3.4;proto=http, for=10.0.0.9;proto=https;host=a.example' }, peer('127.0.0.1'), { client: { address: '1.2.3.4', secure: true }, host: 'a.example' }],
    ['Forwarded for=unknown: the proxy itself', { forwarded: 'for=unknown' }, peer('127.0.0.1'), { client: { address: '127.0.0.1' } }],
    ['a TLS socket stays secure', { 'x-forwarded-proto': 'http' }, peer('127.0.0.1', true), { client: { secure: true } }],
  ] as const)('%s', (_n, headers, p, expected) => {
    expect(forwardedClient(h(headers), p, trusted)).toMatchObject(expected);
  });

  it('matches addresses and ranges, mapped IPv4 included', () => {
    for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '10.200.3.4', '::1', '[::1]:443']) expect(trusted(a), a).toBe(true);
    for (const a of ['127.0.0.2', '11.0.0.1', '::2', 'unknown', '']) expect(trusted(a), a).toBe(false);
    expect(trustedProxyList([])('127.0.0.1')).toBe(false);
    expect(() => trustedProxyList(['nginx.local'])).toThrow(/not an IP address/);
    expect(() => trustedProxyList(['10.0.0.0/33'])).toThrow(/prefix length/);
    expect(plainAddress('"[2001:DB8::1]:80"')).toBe('2001:db8::1');
  });
});

describe('who may reach what (the access table)', () => {
  const admin = { name: 'ada', role: 'admin' } as const;
  const viewer = { name: 'vic', role: 'viewer' } as const;
  it.each(ACCESS_RULES.map((r) => [r.path, r.access, r.match === 'prefix' ? `${r.path}x` : r.path] as const))('%s is %s', (_p, access, example) => {
    expect(requiredAccess(example)).toBe(access);
    expect(permits(access, null)).toBe(access === 'public');
    expect(permits(access, viewer)).toBe(access !== 'admin');
    expect(permits(access, admin)).toBe(true);
  });
  it('anything else needs a principal of any role', () => {
    for (const p of ['/', '/app.js', '/api/events', '/media/clip/x.mp4', '/sign-in/x', '/api/adminx', '/nope']) expect(requiredAccess(p), p).toBe('signed-in');
  });
  it('footage paths', () => {
    expect(['/media/clip/a.mp4', '/media/recording/front.mp4', '/media/latest/front.jpg', '/media/live/front.mp4', '/media/live', '/media/export.zip'].every(isFootage)).toBe(true);
    expect(['/media/poster/a.mp4', '/media/thumb/front.jpg', '/media/livex', '/api/export', '/api/events', '/'].some(isFootage)).toBe(false);
  });
  it('recent keys: once per window', () => {
    const r = new RecentKeys(1000, 2);
    expect([r.first('a', 0), r.first('a', 500), r.first('a', 1000), r.first('b', 1000), r.first('c', 1000), r.first('a', 1001)]).toEqual([true, false, true, true, true, true]);
  });
});

describe('passwords and tokens', () => {
  it('hashes with a salt per hash and verifies only the right password', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
    expect(a).toMatch(/^\$scrypt\$ln=14,r=8,p=2\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });
  it('a hash of other parameters still verifies (they travel with it); malformed hashes never do', async () => {
    const old = await hashPassword('pw-12345678', { ln: 10, r: 8, p: 1 });
    expect(await verifyPassword('pw-12345678', old)).toBe(true);
    for (const bad of ['', 'plain', '$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', old.replace('ln=10', 'ln=x')]) {
      expect(parseHash(bad)).toBeUndefined();
      expect(await verifyPassword('pw-12345678', bad)).toBe(false);
    }
  });
  it.each([
    ['short', 'must be at least 8 characters'],
    ['12345678', undefined],
    ['x'.repeat(1025), 'must be at most 1024 characters'],
  ])('password %s', (pw, problem) => {
    expect(passwordProblem(pw)).toBe(problem);
  });
  it('token strings', () => {
    expect(parseToken(`cctv_0123456789abcdef_${ID}`)).toEqual({ id: '0123456789abcdef', secret: ID });
    for (const bad of ['', 'cctv_', `cctv_0123456789ABCDEF_${ID}`, `cctv_0123456789abcdef_${ID}x`, `x${`cctv_0123456789abcdef_${ID}`}`]) expect(parseToken(bad)).toBeUndefined();
  });
});
