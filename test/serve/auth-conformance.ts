import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator, Client, Principal, Role } from '../../src/lib/serve/auth/authenticator.js';

/**
 * The conformance suite of the Authenticator seam (src/lib/serve/auth/authenticator.ts): every implementation that
 * signs people in runs it — the local sign-in (auth-local.test.ts) and the hosted app's OIDC sign-in. The harness
 * signs a test user in through the implementation's own flow and moves its clock.
 */
export interface AuthenticatorHarness {
  authenticator: Authenticator;
  /** Signs the test user of `role` in through the implementation's own flow; the `Set-Cookie` values it ends with. */
  signIn(role: Role, client: Client): Promise<{ setCookie: string[]; principal: Principal }>;
  /** Moves the authenticator's clock on. */
  advance(ms: number): void;
  /** Its session limits: idle and absolute. */
  idleMs: number;
  absoluteMs: number;
  close(): Promise<void>;
}

const ORIGIN = 'http://127.0.0.1:8080';
let n = 0;
/** A fresh client address per call: throttling in one test never leaks into another. */
const client = (secure = false): Client => ({ address: `192.0.2.${++n % 250}`, secure });

/** A browser's cookie jar, as far as the suite needs one: name → value, `Max-Age=0` or an empty value removes. */
class Jar {
  readonly cookies = new Map<string, string>();
  apply(setCookie: readonly string[]): this {
    for (const c of setCookie) {
      const [pair = '', ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return this;
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const request = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
  new Request(`${ORIGIN}${path}`, { method: init.method ?? 'GET', headers: { host: '127.0.0.1:8080', ...init.headers } });

export function describeAuthenticator(name: string, setup: () => Promise<AuthenticatorHarness>): void {
  describe(`Authenticator conformance: ${name}`, () => {
    let h: AuthenticatorHarness;
    beforeAll(async () => {
      h = await setup();
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    /** Who the jar's cookies identify (a rotated cookie the answer sets is kept, as a browser would). */
    async function who(jar: Jar, c: Client = client()): Promise<Principal | null> {
      const id = await h.authenticator.identify(request('/api/events', { headers: jar.cookies.size ? { cookie: jar.header() } : {} }), c);
      jar.apply(id.setCookie);
      return id.principal;
    }

    async function signedIn(role: Role, c: Client = client()): Promise<{ jar: Jar; principal: Principal }> {
      const { setCookie, principal } = await h.signIn(role, c);
      return { jar: new Jar().apply(setCookie), principal };
    }

    it('identifies nobody without credentials, and does not answer for the app', async () => {
      const id = await h.authenticator.identify(request('/api/events'), client());
      expect(id.principal).toBeNull();
      expect(id.answer).toBeUndefined();
    });

    it('never throws on forged, malformed or foreign credentials: nobody', async () => {
      const forged: Record<string, string>[] = [
        { cookie: `cctv-session=${'A'.repeat(43)}` },
        { cookie: `__Host-cctv-session=${'A'.repeat(43)}` },
        { cookie: 'cctv-session=../../etc/passwd; __Host-cctv-session=%00' },
        { cookie: `x=${'y'.repeat(8000)}` },
        { cookie: ';;;==;' },
        { authorization: 'Bearer x' },
        { authorization: `Bearer cctv_0000000000000000_${'A'.repeat(43)}` },
        { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.' },
        { authorization: 'Basic !!!' },
        { authorization: `Basic ${Buffer.from('nobody-here:some password').toString('base64')}` },
        { authorization: 'Digest username="x"' },
        { authorization: 'Bearer' },
      ];
      for (const headers of forged) {
        const id = await h.authenticator.identify(request('/api/events', { headers }), client());
        expect(id.principal, JSON.stringify(headers).slice(0, 80)).toBeNull();
      }
    });

    it.each(['admin', 'viewer'] as const)('signs a %s in: the cookies it sets identify them with that role', async (role) => {
      const { jar, principal } = await signedIn(role);
      expect(principal.role).toBe(role);
      expect(principal.name).toMatch(/\S/);
      expect(await who(jar)).toEqual(principal);
    });

    it.each([false, true])('its cookies are HttpOnly, SameSite, Path=/; over TLS (%s) Secure with the __Host- prefix', async (secure) => {
      const { setCookie } = await h.signIn('viewer', client(secure));
      expect(setCookie.length).toBeGreaterThan(0);
      for (const c of setCookie) {
        const attrs = c.split(';').map((a) => a.trim().toLowerCase());
        expect(attrs, c).toContain('httponly');
        expect(attrs, c).toContain('path=/');
        expect(attrs.some((a) => a === 'samesite=lax' || a === 'samesite=strict'), c).toBe(true);
        expect(attrs.some((a) => a.startsWith('domain=')), c).toBe(false);
        if (secure) {
          expect(attrs, c).toContain('secure');
          expect(c.startsWith('__Host-'), c).toBe(true);
        } else expect(attrs, c).not.toContain('secure'); // a Secure cookie is dropped over plain HTTP
      }
    });

    it('GET /auth/session names the principal, and is 401 without one', async () => {
      const { jar, principal } = await signedIn('viewer');
      const c = client();
      const res = await h.authenticator.route(request('/auth/session', { headers: { cookie: jar.header() } }), new URL(`${ORIGIN}/auth/session`), c);
      expect(res?.status).toBe(200);
      expect(await res!.json()).toMatchObject({ ...principal, signIn: true });
      const none = await h.authenticator.route(request('/auth/session'), new URL(`${ORIGIN}/auth/session`), c);
      expect(none?.status).toBe(401);
    });

    it('signing out clears the cookies and ends the session server-side: the old cookies identify nobody', async () => {
      const { jar } = await signedIn('admin');
      const stolen = new Jar().apply([...jar.cookies].map(([k, v]) => `${k}=${v}`));
      const res = await h.authenticator.route(
        request('/auth/sign-out', { method: 'POST', headers: { cookie: jar.header(), origin: ORIGIN } }),
        new URL(`${ORIGIN}/auth/sign-out`),
        client(),
      );
      expect(res?.status).toBe(200);
      expect(typeof ((await res!.json()) as { next?: unknown }).next).toBe('string');
      jar.apply(res!.headers.getSetCookie());
      expect(jar.cookies.size).toBe(0);
      expect(await who(stolen)).toBeNull();
    });

    it('a session ends after its idle time', async () => {
      const { jar } = await signedIn('viewer');
      h.advance(h.idleMs + 1000);
      expect(await who(jar)).toBeNull();
    });

    it('a session in use lives until its absolute end, not a moment longer (new cookies it sets keep working)', async () => {
      const { jar, principal } = await signedIn('viewer');
      const step = Math.min(h.idleMs / 2, h.absoluteMs / 4);
      let lived = 0;
      while (lived + step < h.absoluteMs - 1000) {
        h.advance(step);
        lived += step;
        expect(await who(jar), `after ${lived} ms`).toEqual(principal);
      }
      h.advance(h.absoluteMs - lived + 1000);
      expect(await who(jar)).toBeNull();
    });

    it('challenges a page navigation with a redirect to a same-origin sign-in, anything else with 401 and no Basic prompt', async () => {
      const nav = h.authenticator.challenge(
        request('/#/events', { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } }),
        new URL(`${ORIGIN}/timeline?x=1`),
      );
      expect([302, 303]).toContain(nav.status);
      const location = nav.headers.get('location')!;
      expect(location.startsWith('/') && !location.startsWith('//'), location).toBe(true);
      for (const headers of [{ 'sec-fetch-mode': 'cors', accept: 'application/json' }, { 'sec-fetch-dest': 'video', 'sec-fetch-mode': 'no-cors' }, {}] as Record<string, string>[]) {
        const res = h.authenticator.challenge(request('/api/events', { headers }), new URL(`${ORIGIN}/api/events`));
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate') ?? '').not.toMatch(/basic/i);
      }
    });
  });
}
