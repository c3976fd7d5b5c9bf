import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoSessionStore, sessionsTableDefinition } from '../../src/lib/catalog/hosted-sessions.js';
import type { Client, Principal, Role } from '../../src/lib/serve/auth/authenticator.js';
import { cognitoAuthenticator, groupsToAccess, samePath } from '../../src/lib/serve/auth/cognito.js';
import { DEFAULT_SESSION_POLICY } from '../../src/lib/serve/auth/session-policy.js';
import { startDynamo } from '../helpers/dynamodb.js';
import { startOidcStub, type OidcStub } from '../helpers/oidc-stub.js';
import { describeAuthenticator } from './auth-conformance.js';

// The hosted app's sign-in against a loopback OIDC stub standing in for Cognito (test/helpers/oidc-stub.ts) and the
// sessions table in dynalite: what Cognito itself does is not tested here (README, "What was verified only offline").
const ORIGIN = 'http://127.0.0.1:8080';
const USERS = { admin: 'ada', viewer: 'vic' } as const;

async function setup() {
  const dynamo = await startDynamo();
  await dynamo.client.send(new CreateTableCommand(sessionsTableDefinition('cctv-web-sessions')));
  const doc = DynamoDBDocumentClient.from(dynamo.client);
  const stub = await startOidcStub({
    redirectUris: () => [`${ORIGIN}/auth/callback`],
    users: { ada: { password: 'pw-ada', groups: ['admins'] }, vic: { password: 'pw-vic', groups: ['home'] }, sam: { password: 'pw-sam', groups: ['home', 'cabin'] } },
  });
  let t = Date.now();
  const sessions = dynamoSessionStore(doc, 'cctv-web-sessions');
  const auth = cognitoAuthenticator({
    userPoolId: stub.userPoolId, clientId: stub.clientId, domain: stub.url, publicOrigin: ORIGIN, sessions, jwksUrl: stub.jwksUrl, now: () => t,
  });
  const route = async (path: string, client: Client, headers: Record<string, string> = {}, method = 'GET') =>
    (await auth.route(new Request(`${ORIGIN}${path}`, { method, headers: { host: '127.0.0.1:8080', ...headers } }), new URL(`${ORIGIN}${path}`), client))!;
  /** The whole code flow, the stub's sign-in form skipped: the cookies the callback sets, and its answer. */
  async function signInAs(user: string, client: Client, next = '/') {
    const start = await route(`/auth/sign-in?next=${encodeURIComponent(next)}`, client);
    const authorize = new URL(start.headers.get('location')!);
    const flow = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const q = authorize.searchParams;
    const code = stub.issueCode(user, { redirectUri: q.get('redirect_uri')!, challenge: q.get('code_challenge')!, nonce: q.get('nonce')! });
    const res = await route(`/auth/callback?code=${code}&state=${q.get('state')}`, client, { cookie: flow });
    return { res, start, flow, authorize, code };
  }
  const cookieHeader = (setCookie: string[]) => setCookie.map((c) => c.split(';')[0]!).filter((c) => !c.endsWith('=')).join('; ');
  return {
    dynamo, doc, stub, auth, route, signInAs, cookieHeader,
    advance: (ms: number) => void (t += ms),
    close: async () => {
      await stub?.close();
      await dynamo?.stop();
    },
  };
}

describeAuthenticator('Cognito (code flow with PKCE against the OIDC stub, sessions in dynalite)', async () => {
  const s = await setup();
  return {
    authenticator: s.auth,
    async signIn(role: Role, client: Client) {
      const { res } = await s.signInAs(USERS[role], client);
      if (res.status !== 303) throw new Error(`callback answered ${res.status}: ${await res.text()}`);
      const setCookie = res.headers.getSetCookie().filter((c) => /cctv-session=/.test(c));
      const who = await s.auth.identify(new Request(`${ORIGIN}/api/events`, { headers: { cookie: s.cookieHeader(setCookie) } }), client);
      return { setCookie, principal: who.principal as Principal };
    },
    advance: s.advance,
    idleMs: DEFAULT_SESSION_POLICY.idleMs,
    absoluteMs: DEFAULT_SESSION_POLICY.absoluteMs,
    close: s.close,
  };
});

describe('Cognito sign-in', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  const client = (secure = false): Client => ({ address: `203.0.113.${++n}`, secure });
  const who = async (cookie: string, c = client()) => (await s.auth.identify(new Request(`${ORIGIN}/api/events`, { headers: { cookie } }), c)).principal;
  beforeAll(async () => {
    s = await setup();
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it('sends the browser to the pool with PKCE S256, state and nonce, remembered in a short HttpOnly cookie', async () => {
    const { start, authorize } = await s.signInAs('vic', client(true));
    expect(start.status).toBe(303);
    expect(authorize.origin + authorize.pathname).toBe(`${s.stub.url}/oauth2/authorize`);
    const q = authorize.searchParams;
    expect(Object.fromEntries(['response_type', 'client_id', 'redirect_uri', 'code_challenge_method'].map((k) => [k, q.get(k)]))).toEqual({
      response_type: 'code', client_id: s.stub.clientId, redirect_uri: `${ORIGIN}/auth/callback`, code_challenge_method: 'S256',
    });
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const flow = start.headers.getSetCookie()[0]!;
    expect(flow).toMatch(/^__Host-cctv-oidc=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
    expect(flow).not.toContain(q.get('code_challenge')!); // the verifier is kept, never the challenge it hashes to
  });

  it('signs in: the session cookie is set, the flow cookie cleared, and the browser goes where it was going (same origin only)', async () => {
    const { res } = await s.signInAs('sam', client(), '/#/people?x=1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/#/people?x=1');
    expect(await who(s.cookieHeader(res.headers.getSetCookie()))).toEqual({ name: 'sam', role: 'viewer', sites: ['cabin', 'home'] });
    for (const evil of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const away = await s.signInAs('sam', client(), evil);
      expect(away.res.headers.get('location'), evil).toBe('/');
    }
  });

  it('refuses a callback it did not start, a wrong state, a used code and a wrong PKCE verifier', async () => {
    const c = client();
    const first = await s.signInAs('vic', c);
    expect(first.res.status).toBe(303);
    const state = first.authorize.searchParams.get('state');
    // The code again (the pool refuses a used code), with the right cookie and state.
    const again = await s.route(`/auth/callback?code=${first.code}&state=${state}`, c, { cookie: first.flow });
    expect(again.status).toBe(401);
    // No flow cookie; another state.
    expect((await s.route(`/auth/callback?code=x&state=${state}`, c)).status).toBe(400);
    const start = await s.route('/auth/sign-in', c);
    const flow = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const q = new URL(start.headers.get('location')!).searchParams;
    const code = s.stub.issueCode('vic', { redirectUri: q.get('redirect_uri')!, challenge: q.get('code_challenge')!, nonce: q.get('nonce')! });
    expect((await s.route(`/auth/callback?code=${code}&state=${'A'.repeat(43)}`, c, { cookie: flow })).status).toBe(400);
    // A code issued for another PKCE challenge (an attacker's code injected into this browser's flow).
    const stolen = s.stub.issueCode('vic', { redirectUri: q.get('redirect_uri')!, challenge: 'B'.repeat(43), nonce: q.get('nonce')! });
    expect((await s.route(`/auth/callback?code=${stolen}&state=${q.get('state')}`, c, { cookie: flow })).status).toBe(401);
    // A nonce that is not this sign-in's (a replayed ID token).
    const replay = s.stub.issueCode('vic', { redirectUri: q.get('redirect_uri')!, challenge: q.get('code_challenge')!, nonce: 'C'.repeat(43) });
    expect((await s.route(`/auth/callback?code=${replay}&state=${q.get('state')}`, c, { cookie: flow })).status).toBe(401);
    // The pool said no (the user cancelled).
    expect((await s.route(`/auth/callback?error=access_denied&state=${q.get('state')}`, c, { cookie: flow })).status).toBe(401);
  });

  it('refuses ID tokens signed by a key that is not the pool\'s', async () => {
    const other = await startOidcStub({ userPoolId: s.stub.userPoolId, clientId: s.stub.clientId, redirectUris: () => [`${ORIGIN}/auth/callback`], users: { vic: { password: 'x', groups: ['admins'] } } });
    try {
      // The app talks to the other "pool" for tokens but verifies them against the real pool's JWKS.
      const forged = cognitoAuthenticator({
        userPoolId: s.stub.userPoolId, clientId: s.stub.clientId, domain: other.url, publicOrigin: ORIGIN, jwksUrl: s.stub.jwksUrl,
        sessions: dynamoSessionStore(s.doc, 'cctv-web-sessions'),
      });
      const c = client();
      const start = (await forged.route(new Request(`${ORIGIN}/auth/sign-in`), new URL(`${ORIGIN}/auth/sign-in`), c))!;
      const q = new URL(start.headers.get('location')!).searchParams;
      const code = other.issueCode('vic', { redirectUri: q.get('redirect_uri')!, challenge: q.get('code_challenge')!, nonce: q.get('nonce')! });
      const path = `/auth/callback?code=${code}&state=${q.get('state')}`;
      const res = (await forged.route(new Request(`${ORIGIN}${path}`, { headers: { cookie: start.headers.getSetCookie()[0]!.split(';')[0]! } }), new URL(`${ORIGIN}${path}`), c))!;
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie().some((x) => /cctv-session=[^;]/.test(x))).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('asks the pool again when the ID token has expired: group changes apply, a disabled user is out, an unreachable pool keeps the session', async () => {
    s.stub.users.set('gus', { password: 'pw', groups: ['home'] });
    const { res } = await s.signInAs('gus', client());
    const cookie = s.cookieHeader(res.headers.getSetCookie());
    expect((await who(cookie))?.sites).toEqual(['home']);
    s.stub.users.get('gus')!.groups = ['cabin'];
    expect((await who(cookie))?.sites, 'before the ID token expires, what it said').toEqual(['home']);
    s.advance(2 * 3600_000); // past the ID token's expiry (an hour after it was issued, in real time)
    expect((await who(cookie))?.sites, 'after: the pool asked again').toEqual(['cabin']);

    const saved = s.stub.url;
    const down = cognitoAuthenticator({
      userPoolId: s.stub.userPoolId, clientId: s.stub.clientId, domain: 'http://127.0.0.1:9', publicOrigin: ORIGIN, jwksUrl: s.stub.jwksUrl,
      sessions: dynamoSessionStore(s.doc, 'cctv-web-sessions'), now: () => Date.now() + 3 * 3600_000,
    });
    const stillThere = await down.identify(new Request(`${ORIGIN}/api/events`, { headers: { cookie } }), client());
    expect(stillThere.principal?.name, `pool at ${saved} unreachable for this one`).toBe('gus');

    s.stub.users.get('gus')!.disabled = true;
    s.advance(2 * 3600_000); // past the ID token's expiry (an hour after it was issued, in real time)
    expect(await who(cookie)).toBeNull();
    s.stub.users.get('gus')!.disabled = false;
    expect(await who(cookie), 'the session was deleted, not just refused once').toBeNull();
  });

  it('signing out revokes the refresh token at the pool and sends the browser to the pool\'s logout, which comes back here', async () => {
    const c = client();
    const { res } = await s.signInAs('vic', c);
    const cookie = s.cookieHeader(res.headers.getSetCookie());
    const revokedBefore = s.stub.revoked.size;
    const out = await s.route('/auth/sign-out', c, { cookie, origin: ORIGIN }, 'POST');
    expect(out.status).toBe(200);
    const next = new URL(((await out.json()) as { next: string }).next);
    expect(next.origin + next.pathname).toBe(`${s.stub.url}/logout`);
    expect(Object.fromEntries(next.searchParams)).toEqual({ client_id: s.stub.clientId, logout_uri: `${ORIGIN}/` });
    expect(s.stub.revoked.size).toBe(revokedBefore + 1);
    expect(await who(cookie)).toBeNull();
  });

  it('groups: admins see every site, others the sites of their groups; paths to go back to are this origin\'s', () => {
    expect(groupsToAccess(['admins', 'home'], 'admins')).toEqual({ role: 'admin', sites: null });
    expect(groupsToAccess(['home', 'cabin'], 'admins')).toEqual({ role: 'viewer', sites: ['cabin', 'home'] });
    expect(groupsToAccess(undefined, 'admins')).toEqual({ role: 'viewer', sites: [] });
    expect(groupsToAccess('home', 'admins')).toEqual({ role: 'viewer', sites: [] });
    expect(groupsToAccess(['home', 7], 'admins')).toEqual({ role: 'viewer', sites: ['home'] });
    expect([samePath(null), samePath('/a?b#c'), samePath('//x'), samePath('https://x'), samePath('/\\x'), samePath('')]).toEqual(['/', '/a?b#c', '/', '/', '/', '/']);
  });
});
