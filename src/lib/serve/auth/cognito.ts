import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { HostedSession, HostedSessionStore } from '../../catalog/hosted-sessions.js';
import { errorMessage } from '../../errors.js';
import { log } from '../../log.js';
import { json } from '../http.js';
import type { Authenticator, Client, Identity, Principal, Role } from './authenticator.js';
import { clearedCookies, DEFAULT_SESSION_POLICY, sessionCookie, sessionIdFrom, sessionVerdict, type SessionPolicy } from './session-policy.js';
import { sha256 } from './tokens.js';

/**
 * The hosted app's sign-in (issue 15): a Cognito user pool (admin-created users, one group per site, `admins`), the
 * authorization code flow with PKCE done by the app itself (a public app client, no secret), tokens verified locally
 * with aws-jwt-verify against the pool's JWKS, and the session in an `__Host-` HttpOnly Secure cookie whose id the
 * sessions table knows (catalog/hosted-sessions.ts).
 *
 *   GET  /auth/sign-in?next=/path   a PKCE verifier, state and nonce in a short-lived `__Host-cctv-oidc` cookie;
 *                                   303 to the pool's /oauth2/authorize
 *   GET  /auth/callback?code&state  state checked against the cookie; the code exchanged at /oauth2/token with the
 *                                   verifier; the ID token verified (signature, issuer, audience, token_use, expiry,
 *                                   nonce); a session stored; 303 to `next`
 *   POST /auth/sign-out             the session deleted, the refresh token revoked at the pool; `{ next }` is the
 *                                   pool's /logout (which ends its own sign-in too and comes back to the app)
 *   GET  /auth/session              who the session is, with their sites
 * A session ends at sign-out, after the policy's idle time or absolute life, or when the pool refuses its refresh
 * token: when the ID token last checked has expired, the next request asks the pool for a new one (refresh_token
 * grant) and verifies it, so a user disabled or moved out of a site's group loses it within the pool's ID token
 * validity (1 h by default). The pool unreachable keeps the session as it was until the next request.
 */
export interface CognitoAuthOptions {
  /** `eu-west-2_AbCdEf123`; the issuer is https://cognito-idp.<region>.amazonaws.com/<id>. */
  userPoolId: string;
  /** The app client (public: no secret; code flow with PKCE). */
  clientId: string;
  /** The pool's sign-in domain: `https://<prefix>.auth.<region>.amazoncognito.com` (authorize, token, revoke, logout). */
  domain: string;
  /** The app's origin as browsers see it (the CloudFront distribution): the redirect URI is `<origin>/auth/callback`. */
  publicOrigin: string;
  sessions: HostedSessionStore;
  /** Members of this group are admins and see every site; default `admins`. */
  adminGroup?: string;
  policy?: SessionPolicy;
  now?: () => number;
  /**
   * Where the pool's JWKS is fetched instead of `<issuer>/.well-known/jwks.json` (a test's loopback stand-in for
   * Cognito). The keys are fetched once and again only for an unknown key id.
   */
  jwksUrl?: string;
}

/** The sign-in in progress (state, PKCE verifier, nonce, where to go next): `__Host-` over TLS, like the session's. */
const flowCookie = (secure: boolean) => (secure ? '__Host-cctv-oidc' : 'cctv-oidc');
const FLOW_SECONDS = 600;
const B64URL = /^[A-Za-z0-9_-]{43}$/;

const b64url = (bytes: Buffer) => bytes.toString('base64url');
const random = () => b64url(randomBytes(32));
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Pure: a `next` that is a path of this origin (else `/`). */
export function samePath(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** Pure: the role and sites a verified ID token's groups give (`cognito:groups`). */
export function groupsToAccess(groups: unknown, adminGroup: string): { role: Role; sites: string[] | null } {
  const list = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
  if (list.includes(adminGroup)) return { role: 'admin', sites: null };
  return { role: 'viewer', sites: list.sort() };
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A navigation of the page (to be sent to sign in), as opposed to a fetch, an image or a video. */
function isNavigation(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers.get('sec-fetch-mode');
  return mode ? mode === 'navigate' : (req.headers.get('accept') ?? '').includes('text/html');
}

const redirect = (location: string, setCookie: string[] = []) => {
  const res = new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store' } });
  for (const c of setCookie) res.headers.append('set-cookie', c);
  return res;
};

export function cognitoAuthenticator(o: CognitoAuthOptions): Authenticator {
  const now = o.now ?? Date.now;
  // The hosted session is not rotated: its id never leaves the cookie, and the pool is asked again every ID-token life.
  const policy: SessionPolicy = { ...(o.policy ?? DEFAULT_SESSION_POLICY), rotateMs: Number.POSITIVE_INFINITY };
  const adminGroup = o.adminGroup ?? 'admins';
  const domain = o.domain.replace(/\/+$/, '');
  const redirectUri = `${o.publicOrigin}/auth/callback`;
  const jwksUrl = o.jwksUrl;
  const jwksCache = jwksUrl
    ? new SimpleJwksCache({
        fetcher: {
          fetch: async () => {
            const res = await fetch(jwksUrl, { signal: AbortSignal.timeout(10_000) });
            if (!res.ok) throw new Error(`JWKS: HTTP ${res.status} from ${jwksUrl}`);
            return res.arrayBuffer();
          },
        },
      })
    : undefined;
  const verifier = CognitoJwtVerifier.create({ userPoolId: o.userPoolId, tokenUse: 'id', clientId: o.clientId }, jwksCache ? { jwksCache } : undefined);

  /** The pool's token endpoint; the parsed answer, or an error naming the pool's `error` code. */
  async function token(form: Record<string, string>): Promise<{ id_token: string; refresh_token?: string }> {
    const res = await fetch(`${domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ client_id: o.clientId, ...form }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; error?: string };
    if (!res.ok || typeof body.id_token !== 'string') throw new PoolRefusal(res.status, body.error ?? `HTTP ${res.status}`);
    return body as { id_token: string; refresh_token?: string };
  }

  /** The verified claims of an ID token and what they give. */
  async function verified(idToken: string, nonce?: string): Promise<{ payload: JwtPayload; user: string; role: Role; sites: string[] | null; expMs: number }> {
    const payload = await verifier.verify(idToken);
    if (nonce !== undefined && payload.nonce !== nonce) throw new Error('ID token nonce does not match this sign-in');
    const user = typeof payload['cognito:username'] === 'string' ? payload['cognito:username'] : String(payload.sub);
    return { payload, user, ...groupsToAccess(payload['cognito:groups'], adminGroup), expMs: (payload.exp as number) * 1000 };
  }

  function signIn(url: URL, client: Client): Response {
    const state = random();
    const verifier = random();
    const nonce = random();
    const next = samePath(url.searchParams.get('next'));
    const flow = `${flowCookie(client.secure)}=${state}.${verifier}.${nonce}.${b64url(Buffer.from(next))}; Path=/; Max-Age=${FLOW_SECONDS}; HttpOnly; SameSite=Lax${client.secure ? '; Secure' : ''}`;
    const authorize = new URL(`${domain}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: o.clientId, redirect_uri: redirectUri, scope: 'openid email profile', state, nonce,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256',
    }).toString();
    return redirect(authorize.toString(), [flow]);
  }

  async function callback(req: Request, url: URL, client: Client): Promise<Response> {
    const clearFlow = `${flowCookie(client.secure)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${client.secure ? '; Secure' : ''}`;
    const fail = (status: number, why: string) => {
      const res = json({ error: `${why}: sign in again at /auth/sign-in` }, status);
      res.headers.append('set-cookie', clearFlow);
      return res;
    };
    const [state, codeVerifier, nonce, next] = (cookieValue(req.headers.get('cookie'), flowCookie(client.secure)) ?? '').split('.');
    if (url.searchParams.has('error')) return fail(401, `the user pool refused the sign-in (${url.searchParams.get('error')})`);
    const code = url.searchParams.get('code');
    const given = url.searchParams.get('state') ?? '';
    if (!state || !codeVerifier || !nonce || !B64URL.test(state) || !B64URL.test(codeVerifier) || !same(state, given)) return fail(400, 'this sign-in was not started here, or took over 10 minutes');
    if (!code) return fail(400, 'no code from the user pool');
    let who: Awaited<ReturnType<typeof verified>>;
    let refreshToken: string;
    try {
      const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier });
      who = await verified(tokens.id_token, nonce);
      if (!tokens.refresh_token) throw new Error('the user pool gave no refresh token');
      refreshToken = tokens.refresh_token;
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'sign-in: the user pool\'s answer was refused');
      return fail(401, 'the sign-in could not be verified');
    }
    const id = random();
    const t = now();
    await o.sessions.put({
      idHash: sha256(id), user: who.user, role: who.role, sites: who.sites, signedInMs: t, seenMs: t, checkMs: who.expMs,
      refreshToken, expiresAt: Math.ceil((t + policy.absoluteMs) / 1000),
    });
    log.info({ user: who.user, address: client.address }, 'signed in');
    return redirect(samePath(Buffer.from(next ?? '', 'base64url').toString()), [clearFlow, sessionCookie(id, client.secure, policy.absoluteMs / 1000)]);
  }

  /** The session's principal after asking the pool again; null when the pool refused its refresh token. */
  async function recheck(s: HostedSession): Promise<Principal | null> {
    try {
      const who = await verified((await token({ grant_type: 'refresh_token', refresh_token: s.refreshToken })).id_token);
      await o.sessions.recheck(s.idHash, { role: who.role, sites: who.sites, checkMs: who.expMs });
      return principalOf(who.user, who.role, who.sites);
    } catch (err) {
      if (err instanceof PoolRefusal && err.status >= 400 && err.status < 500) {
        log.info({ user: s.user, err: err.message }, 'the user pool ended a session (user disabled, removed or signed out elsewhere)');
        await o.sessions.delete(s.idHash);
        return null;
      }
      log.warn({ err: errorMessage(err) }, 'the user pool could not be asked again; the session stays as it was');
      return principalOf(s.user, s.role, s.sites);
    }
  }

  async function identify(req: Request, client: Client): Promise<Identity> {
    const id = sessionIdFrom(req.headers.get('cookie'));
    const hasCookie = /(?:^|;\s*)(?:__Host-)?cctv-session=/.test(req.headers.get('cookie') ?? '');
    const gone: Identity = { principal: null, setCookie: hasCookie ? clearedCookies(client.secure) : [] };
    if (!id) return gone;
    const s = await o.sessions.get(sha256(id));
    if (!s) return gone;
    const t = now();
    const verdict = sessionVerdict({ signedInMs: s.signedInMs, seenMs: s.seenMs, issuedMs: s.signedInMs, retireMs: null }, t, policy);
    if (!verdict.valid) {
      await o.sessions.delete(s.idHash);
      return gone;
    }
    if (verdict.touch) await o.sessions.touch(s.idHash, t);
    const principal = t >= s.checkMs ? await recheck(s) : principalOf(s.user, s.role, s.sites);
    return principal ? { principal, setCookie: [] } : gone;
  }

  async function signOut(req: Request, client: Client): Promise<Response> {
    const id = sessionIdFrom(req.headers.get('cookie'));
    const s = id ? await o.sessions.get(sha256(id)) : undefined;
    if (s) {
      await o.sessions.delete(s.idHash);
      // Revoking the refresh token ends it at the pool too; the session is over here whatever the pool answers.
      await fetch(`${domain}/oauth2/revoke`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: s.refreshToken, client_id: o.clientId }), signal: AbortSignal.timeout(5000),
      }).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'sign-out: the refresh token could not be revoked at the user pool'));
      log.info({ user: s.user, address: client.address }, 'signed out');
    }
    const logout = new URL(`${domain}/logout`);
    logout.search = new URLSearchParams({ client_id: o.clientId, logout_uri: `${o.publicOrigin}/` }).toString();
    const res = json({ next: logout.toString() });
    for (const c of clearedCookies(client.secure)) res.headers.append('set-cookie', c);
    return res;
  }

  return {
    kind: 'cognito',
    identify,
    async route(req, url, client) {
      const get = req.method === 'GET' || req.method === 'HEAD';
      if (url.pathname === '/auth/session' && get) {
        const who = await identify(req, client);
        const res = who.principal ? json({ ...who.principal, signIn: true }) : json({ error: 'not signed in' }, 401);
        for (const c of who.setCookie) res.headers.append('set-cookie', c);
        return res;
      }
      if (url.pathname === '/auth/sign-in' && get) return signIn(url, client);
      if (url.pathname === '/auth/callback' && get) return callback(req, url, client);
      if (url.pathname === '/auth/sign-out' && req.method === 'POST') return signOut(req, client);
      return undefined;
    },
    challenge(req, url) {
      if (isNavigation(req)) return redirect(`/auth/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
      return json({ error: 'sign in first', signIn: '/auth/sign-in' }, 401);
    },
  };
}

function principalOf(name: string, role: Role, sites: string[] | null): Principal {
  return sites === null ? { name, role } : { name, role, sites };
}

/** The user pool answered a token request with an error (4xx: the grant is refused; 5xx: it failed). */
class PoolRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`the user pool answered ${message}`);
  }
}
