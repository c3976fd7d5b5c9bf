import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogStore } from '../../src/lib/catalog/access-log.js';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { getUser, listUsers } from '../../src/lib/catalog/users.js';
import { UserError } from '../../src/lib/errors.js';
import { addAccount, changeAccount, removeAccount, syncConfigUser } from '../../src/lib/serve/auth/accounts.js';
import type { Authenticator, Client, Principal } from '../../src/lib/serve/auth/authenticator.js';
import { localAuthenticator } from '../../src/lib/serve/auth/local.js';
import { DEFAULT_SESSION_POLICY } from '../../src/lib/serve/auth/session-policy.js';
import { createToken } from '../../src/lib/serve/auth/tokens.js';
import { describeAuthenticator } from './auth-conformance.js';

const ORIGIN = 'http://127.0.0.1:8080';
const USERS = { admin: { name: 'ada', password: 'ada-password-1' }, viewer: { name: 'vic', password: 'vic-password-1' } } as const;

/** A catalog in a temp folder with the two test users, and a local authenticator on a clock the test moves. */
async function localSetup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cctv-auth-'));
  const db = openDb(dir);
  await addAccount(db, { ...USERS.admin, role: 'admin' });
  await addAccount(db, { ...USERS.viewer, role: 'viewer' });
  let t = Date.now();
  const accessLog = accessLogStore(db);
  const auth = localAuthenticator({ db, accessLog, now: () => t });
  return {
    dir, db, auth, accessLog,
    advance: (ms: number) => void (t += ms),
    now: () => t,
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${ORIGIN}${p}`, {
    method: 'POST',
    headers: { host: '127.0.0.1:8080', origin: ORIGIN, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (p: string, headers: Record<string, string> = {}) => new Request(`${ORIGIN}${p}`, { headers: { host: '127.0.0.1:8080', ...headers } });

async function signIn(auth: Authenticator, username: string, password: string, client: Client): Promise<Response> {
  return (await auth.route(post('/auth/sign-in', { username, password }), new URL(`${ORIGIN}/auth/sign-in`), client))!;
}
const cookieOf = (res: Response) => res.headers.getSetCookie()[0]!.split(';')[0]!;

describeAuthenticator('local (catalog users and sessions)', async () => {
  const s = await localSetup();
  return {
    authenticator: s.auth,
    async signIn(role, client) {
      const res = await signIn(s.auth, USERS[role].name, USERS[role].password, client);
      if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`);
      return { setCookie: res.headers.getSetCookie(), principal: (await res.json()) as Principal };
    },
    advance: s.advance,
    idleMs: DEFAULT_SESSION_POLICY.idleMs,
    absoluteMs: DEFAULT_SESSION_POLICY.absoluteMs,
    close: s.close,
  };
});

describe('local sign-in', () => {
  let s: Awaited<ReturnType<typeof localSetup>>;
  let n = 0;
  const client = (): Client => ({ address: `198.51.100.${++n}`, secure: false });
  const whoIs = async (headers: Record<string, string>, c = client()) => (await s.auth.identify(get('/api/events', headers), c));
  beforeAll(async () => {
    s = await localSetup();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a wrong password and an unknown name get the same 401; the log names only real users, never a password', async () => {
    const c = client();
    const wrong = await signIn(s.auth, 'ada', 'not-her-password', c);
    const unknown = await signIn(s.auth, 'ada-password-1', 'ada-password-1', c);
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(await wrong.text()).toBe(await unknown.text());
    const entries = s.accessLog.list({ principal: undefined, action: 'sign-in-failed', limit: 10 }).filter((e) => e.address === c.address);
    expect(entries.map((e) => e.detail)).toEqual(['sign-in page; unknown user', 'sign-in page; user ada']);
    expect(JSON.stringify(s.accessLog.list({ limit: 1000 }))).not.toMatch(/not-her-password|ada-password-1/);
  });

  it('throttles an address after 5 wrong passwords: 429 with Retry-After, even for the right one, until the wait is over', async () => {
    const c = client();
    for (let i = 0; i < 5; i++) expect((await signIn(s.auth, 'vic', `wrong-${i}-password`, c)).status).toBe(401);
    const locked = await signIn(s.auth, 'vic', USERS.viewer.password, c);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('1');
    expect(((await locked.json()) as { error: string }).error).toMatch(/too many wrong passwords: try again in 1 s/);
    expect(s.accessLog.list({ action: 'throttled', limit: 5 })[0]).toMatchObject({ address: c.address, status: 429 });
    s.advance(1000);
    expect((await signIn(s.auth, 'vic', 'wrong-again-password', c)).status).toBe(401);
    expect((await signIn(s.auth, 'vic', USERS.viewer.password, c)).headers.get('retry-after')).toBe('2'); // doubling
    s.advance(2000);
    expect((await signIn(s.auth, 'vic', USERS.viewer.password, c)).status).toBe(200);
    expect((await signIn(s.auth, 'vic', 'wrong-once-more', c)).status).toBe(401); // the success cleared the count
  });

  it('rejects bodies it cannot read: 400', async () => {
    const c = client();
    for (const body of ['{', '[]', JSON.stringify({ username: 'ada' }), JSON.stringify({ username: 'ada', password: 'x'.repeat(5000) }), 'x'.repeat(5000)]) {
      const res = await s.auth.route(post('/auth/sign-in', body), new URL(`${ORIGIN}/auth/sign-in`), c);
      expect(res?.status, body.slice(0, 20)).toBe(400);
    }
    const form = await s.auth.route(
      post('/auth/sign-in', new URLSearchParams({ username: 'ada', password: USERS.admin.password }).toString(), { 'content-type': 'application/x-www-form-urlencoded' }),
      new URL(`${ORIGIN}/auth/sign-in`), c,
    );
    expect(form?.status).toBe(200);
  });

  it('signing in again ends the session the browser had (no session outlives a new sign-in)', async () => {
    const c = client();
    const first = cookieOf(await signIn(s.auth, 'vic', USERS.viewer.password, c));
    const second = await s.auth.route(post('/auth/sign-in', { username: 'ada', password: USERS.admin.password }, { cookie: first }), new URL(`${ORIGIN}/auth/sign-in`), c);
    expect(cookieOf(second!)).not.toBe(first);
    expect((await whoIs({ cookie: first })).principal).toBeNull();
    expect((await whoIs({ cookie: cookieOf(second!) })).principal).toEqual({ name: 'ada', role: 'admin' });
  });

  it('rotates the session id after an hour: the new cookie works, the old one only for a minute more', async () => {
    const old = cookieOf(await signIn(s.auth, 'vic', USERS.viewer.password, client()));
    s.advance(DEFAULT_SESSION_POLICY.rotateMs);
    const rotated = await whoIs({ cookie: old });
    expect(rotated.principal?.name).toBe('vic');
    expect(rotated.setCookie).toHaveLength(1);
    const fresh = rotated.setCookie[0]!.split(';')[0]!;
    expect(fresh).not.toBe(old);
    const again = await whoIs({ cookie: old });
    expect([again.principal?.name, again.setCookie]).toEqual(['vic', []]); // in flight: served, not rotated twice
    s.advance(DEFAULT_SESSION_POLICY.graceMs);
    expect((await whoIs({ cookie: old })).principal).toBeNull();
    expect((await whoIs({ cookie: fresh })).principal?.name).toBe('vic');
  });

  it('a stale cookie is cleared', async () => {
    const id = await whoIs({ cookie: `cctv-session=${'Z'.repeat(43)}` });
    expect(id.setCookie).toEqual(['cctv-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax']);
    expect((await whoIs({})).setCookie).toEqual([]);
  });

  it('a new password or a removed user ends their sessions; a new role applies at once', async () => {
    await addAccount(s.db, { name: 'tmp', password: 'tmp-password-1', role: 'viewer' });
    const cookie = cookieOf(await signIn(s.auth, 'tmp', 'tmp-password-1', client()));
    await changeAccount(s.db, 'tmp', { role: 'admin' });
    expect((await whoIs({ cookie })).principal).toEqual({ name: 'tmp', role: 'admin' });
    await changeAccount(s.db, 'tmp', { password: 'tmp-password-2' });
    expect((await whoIs({ cookie })).principal).toBeNull();
    const again = cookieOf(await signIn(s.auth, 'tmp', 'tmp-password-2', client()));
    removeAccount(s.db, 'tmp');
    expect((await whoIs({ cookie: again })).principal).toBeNull();
  });

  it('HTTP Basic (0.1 scripts): accepted, remembered, forgotten when the password changes; wrong ones are throttled', async () => {
    await addAccount(s.db, { name: 'script', password: 'script-password', role: 'viewer' });
    const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`script:${pw}`).toString('base64')}` });
    expect((await whoIs(basic('script-password'))).principal).toEqual({ name: 'script', role: 'viewer' });
    expect((await whoIs(basic('script-password'))).principal?.name).toBe('script'); // remembered (bench: no second scrypt)
    await changeAccount(s.db, 'script', { password: 'script-password-2' });
    expect((await whoIs(basic('script-password'))).principal).toBeNull();
    const c = client();
    for (let i = 0; i < 5; i++) expect((await whoIs(basic(`nope-${i}`), c)).principal).toBeNull();
    const locked = await whoIs(basic('script-password-2'), c);
    expect(locked.answer?.status).toBe(429);
    // Explicit credentials that fail are not rescued by a cookie.
    const cookie = cookieOf(await signIn(s.auth, 'vic', USERS.viewer.password, client()));
    expect((await whoIs({ ...basic('wrong-password'), cookie })).principal).toBeNull();
  });

  it('API tokens: a principal token:<name>; revoked, expired or forged: nobody, refused once per window in the log', async () => {
    const made = createToken(s.db, { name: 'home-assistant', role: 'viewer', createdBy: 'ada', expiresMs: s.now() + 60_000 })!;
    expect(made.token).toMatch(/^cctv_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(createToken(s.db, { name: 'home-assistant', role: 'admin', createdBy: 'ada', expiresMs: null })).toBeUndefined();
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    expect((await whoIs(bearer(made.token))).principal).toEqual({ name: 'token:home-assistant', role: 'viewer' });
    const forged = `${made.token.slice(0, -1)}${made.token.endsWith('A') ? 'B' : 'A'}`;
    const c = client();
    expect((await whoIs(bearer(forged), c)).principal).toBeNull();
    expect((await whoIs(bearer(forged), c)).principal).toBeNull();
    expect(s.accessLog.list({ action: 'refused', limit: 100 }).filter((e) => e.address === c.address).map((e) => e.detail)).toEqual(['expired or wrong API token']);
    s.advance(60_000);
    expect((await whoIs(bearer(made.token))).principal).toBeNull();
    const forever = createToken(s.db, { name: 'backup-script', role: 'admin', createdBy: 'ada', expiresMs: null })!;
    expect((await whoIs(bearer(forever.token))).principal?.role).toBe('admin');
    const { tokenStore } = await import('../../src/lib/catalog/api-tokens.js');
    expect(tokenStore(s.db).revoke('backup-script')).toBe(true);
    expect((await whoIs(bearer(forever.token))).principal).toBeNull();
    expect(JSON.stringify(s.db.prepare('SELECT * FROM api_tokens').all())).not.toContain(made.token.slice(22));
  });
});

describe('users (accounts.ts) and serve.auth', () => {
  let db: Db;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cctv-accounts-'));
    db = openDb(dir);
  });
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks names and passwords with a message that says how', async () => {
    await expect(addAccount(db, { name: 'a:b', password: 'long-enough', role: 'viewer' })).rejects.toThrow(/user name "a:b": letters, digits/);
    await expect(addAccount(db, { name: 'ok', password: 'short', role: 'viewer' })).rejects.toThrow(/password must be at least 8 characters/);
    await addAccount(db, { name: 'ok', password: 'long-enough', role: 'viewer' });
    await expect(addAccount(db, { name: 'ok', password: 'long-enough', role: 'viewer' })).rejects.toThrow(/user ok exists: cctv user passwd ok/);
    expect(getUser(db, 'ok')!.passwordHash).toMatch(/^\$scrypt\$/);
  });

  it('keeps serve.auth as one admin user: added, kept, re-hashed when its password changes, removed when it goes', async () => {
    await syncConfigUser(db, { username: 'owner', password: 'first-password' });
    const first = getUser(db, 'owner')!;
    expect(first).toMatchObject({ role: 'admin', source: 'config' });
    await syncConfigUser(db, { username: 'owner', password: 'first-password' });
    expect(getUser(db, 'owner')!.passwordHash).toBe(first.passwordHash); // unchanged: sessions live on
    await syncConfigUser(db, { username: 'owner', password: 'second-password' });
    expect(getUser(db, 'owner')!.passwordHash).not.toBe(first.passwordHash);
    await expect(changeAccount(db, 'owner', { password: 'x-password' })).rejects.toThrow(/serve\.auth's: change it in the config/);
    await syncConfigUser(db, { username: 'boss', password: 'second-password' });
    expect(listUsers(db).map((u) => u.name)).toEqual(['boss', 'ok']);
    await syncConfigUser(db, undefined);
    expect(listUsers(db).map((u) => u.name)).toEqual(['ok']);
    await expect(syncConfigUser(db, { username: 'ok', password: 'whatever-1' })).rejects.toThrow(UserError);
  });
});
