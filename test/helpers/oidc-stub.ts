import { createHash, createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for a Cognito user pool's OAuth endpoints — a TEST HELPER, not Cognito. It speaks the parts of
 * the protocol the hosted app uses, as Cognito documents them: /oauth2/authorize (a sign-in form, then a redirect
 * with code and state), /oauth2/token (authorization_code with PKCE S256, refresh_token), /oauth2/revoke, /logout,
 * and the JWKS at /.well-known/jwks.json with a real RSA key. ID tokens are RS256 JWTs with Cognito's claims
 * (`iss` https://cognito-idp.<region>.amazonaws.com/<pool>, `token_use` id, `cognito:username`, `cognito:groups`,
 * `auth_time`, `nonce`, `origin_jti`), so the app's aws-jwt-verify CognitoJwtVerifier checks them as it would
 * Cognito's. What Cognito itself does beyond this (its hosted UI, MFA, its real key rotation) is not tested here.
 */
export interface StubUser {
  password: string;
  groups: string[];
  /** A disabled user's refresh token is refused (as Cognito's AdminDisableUser does). */
  disabled?: boolean;
}

export interface OidcStub {
  /** The pool's "domain" (the authorize, token, revoke and logout endpoints). */
  url: string;
  jwksUrl: string;
  userPoolId: string;
  clientId: string;
  /** Users by name; change them while running (groups, disabled). */
  users: Map<string, StubUser>;
  /** How long ID tokens it issues live. */
  idTokenSeconds: number;
  /** Signs `user` in without the form: the code the redirect would carry, for a `state`, PKCE challenge and nonce. */
  issueCode(user: string, o: { redirectUri: string; challenge: string; nonce: string }): string;
  /** Refresh tokens revoked so far. */
  revoked: Set<string>;
  /** Requests seen, as "METHOD /path". */
  seen: string[];
  close(): Promise<void>;
}

const REGION = 'eu-west-2';

export async function startOidcStub(o: { clientId?: string; userPoolId?: string; redirectUris: () => string[]; users?: Record<string, StubUser> }): Promise<OidcStub> {
  const clientId = o.clientId ?? 'stubclient0000000000000000';
  const userPoolId = o.userPoolId ?? `${REGION}_StubPool1`;
  const issuer = `https://cognito-idp.${REGION}.amazonaws.com/${userPoolId}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { user: string; redirectUri: string; challenge: string; nonce: string; untilMs: number }>();
  const refresh = new Map<string, { user: string; authTime: number; originJti: string }>();
  const stub: OidcStub = {
    url: '', jwksUrl: '', userPoolId, clientId, users: new Map(Object.entries(o.users ?? {})), idTokenSeconds: 3600,
    issueCode, revoked: new Set(), seen: [], close: async () => {},
  };

  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  function idToken(user: string, authTime: number, originJti: string, nonce?: string): string {
    const u = stub.users.get(user)!;
    const iat = Math.floor(Date.now() / 1000);
    const payload = {
      sub: createHash('sha256').update(user).digest('hex').slice(0, 36), ...(u.groups.length ? { 'cognito:groups': u.groups } : {}),
      email_verified: true, iss: issuer, 'cognito:username': user, origin_jti: originJti, aud: clientId, event_id: randomUUID(),
      token_use: 'id', auth_time: authTime, exp: iat + stub.idTokenSeconds, iat, jti: randomUUID(), email: `${user}@example.com`,
      ...(nonce ? { nonce } : {}),
    };
    const signingInput = `${b64({ kid, alg: 'RS256' })}.${b64(payload)}`;
    return `${signingInput}.${createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url')}`;
  }
  function issueCode(user: string, c: { redirectUri: string; challenge: string; nonce: string }): string {
    const code = randomUUID();
    codes.set(code, { user, ...c, untilMs: Date.now() + 300_000 });
    return code;
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const readForm = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString());
  };
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', stub.url);
    stub.seen.push(`${req.method} ${url.pathname}`);
    if (url.pathname === '/.well-known/jwks.json') return send(res, 200, { keys: [jwk] });
    if (url.pathname === '/oauth2/authorize' && req.method === 'GET') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || !o.redirectUris().includes(q.get('redirect_uri') ?? '')) return send(res, 400, { error: 'invalid_request' });
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return send(res, 400, { error: 'invalid_request' });
      const hidden = ['redirect_uri', 'state', 'code_challenge', 'nonce'].map((k) => `<input type="hidden" name="${k}" value="${esc(q.get(k) ?? '')}">`).join('');
      return send(res, 200, `<!doctype html><title>Sign in (OIDC stub)</title><form method="post" action="/login">${hidden}
        <input name="username" aria-label="username"><input name="password" type="password" aria-label="password"><button id="stub-sign-in">Sign in</button></form>`);
    }
    if (url.pathname === '/login' && req.method === 'POST') {
      const f = await readForm(req);
      const user = stub.users.get(f.get('username') ?? '');
      if (!user || user.password !== f.get('password') || user.disabled) return send(res, 401, '<!doctype html><p id="stub-error">Incorrect username or password.</p>');
      const code = issueCode(f.get('username')!, { redirectUri: f.get('redirect_uri')!, challenge: f.get('code_challenge')!, nonce: f.get('nonce')! });
      const back = new URL(f.get('redirect_uri')!);
      back.search = new URLSearchParams({ code, state: f.get('state') ?? '' }).toString();
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      const f = await readForm(req);
      if (f.get('client_id') !== clientId) return send(res, 400, { error: 'invalid_client' });
      if (f.get('grant_type') === 'authorization_code') {
        const c = codes.get(f.get('code') ?? '');
        codes.delete(f.get('code') ?? ''); // single use
        const verifier = f.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (!c || c.untilMs < Date.now() || c.redirectUri !== f.get('redirect_uri') || c.challenge !== challenge) return send(res, 400, { error: 'invalid_grant' });
        const rt = randomBytes(48).toString('base64url');
        const authTime = Math.floor(Date.now() / 1000);
        const originJti = randomUUID();
        refresh.set(rt, { user: c.user, authTime, originJti });
        return send(res, 200, { id_token: idToken(c.user, authTime, originJti, c.nonce), access_token: 'opaque-in-this-stub', refresh_token: rt, expires_in: stub.idTokenSeconds, token_type: 'Bearer' });
      }
      if (f.get('grant_type') === 'refresh_token') {
        const r = refresh.get(f.get('refresh_token') ?? '');
        if (!r || stub.revoked.has(f.get('refresh_token')!) || !stub.users.has(r.user) || stub.users.get(r.user)!.disabled) return send(res, 400, { error: 'invalid_grant' });
        return send(res, 200, { id_token: idToken(r.user, r.authTime, r.originJti), access_token: 'opaque-in-this-stub', expires_in: stub.idTokenSeconds, token_type: 'Bearer' });
      }
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    if (url.pathname === '/oauth2/revoke' && req.method === 'POST') {
      const f = await readForm(req);
      stub.revoked.add(f.get('token') ?? '');
      return send(res, 200, {});
    }
    if (url.pathname === '/logout') {
      res.writeHead(302, { location: url.searchParams.get('logout_uri') ?? '/' }).end();
      return;
    }
    send(res, 404, { error: 'not found' });
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch((err: Error) => send(res, 500, { error: err.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.jwksUrl = `${stub.url}/.well-known/jwks.json`;
  stub.close = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return stub;
}
