import type { Role } from '../../catalog/users.js';

export type { Role } from '../../catalog/users.js';

/**
 * The seam between the web app and whoever signs people in. The app (app.ts) asks an Authenticator who is asking;
 * route handlers receive the answer as a Principal. Implementations: `noSignIn` (loopback only, everyone is the local
 * admin), `localAuthenticator` (users, sessions and API tokens in the catalog; local.ts), and the hosted app's
 * OIDC sign-in (issue 15). Every implementation that signs people in is held to test/serve/auth-conformance.ts
 * (describeAuthenticator).
 */

/** Who is asking: a user, an API token (`token:<name>`), or `local` (no sign-in, loopback only). */
export interface Principal {
  name: string;
  role: Role;
  /**
   * The sites whose events they may see in the hosted app (their user pool groups); absent: every site (on premise,
   * where there is one, and the hosted app's admins).
   */
  sites?: readonly string[];
}

/** The principal of every request when sign-in is off (the server then answers loopback only). */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ name: 'local', role: 'admin' });

/** Where a request comes from, as the host and the trusted proxies tell it (security.ts forwardedClient). */
export interface Client {
  /** The client's address: the socket's peer, or what a trusted proxy reported. */
  address: string;
  /** The request reached the server over TLS (directly, or through a trusted proxy that says so). */
  secure: boolean;
}

/** The answer to "who is asking". */
export interface Identity {
  /** The principal, or null when the request carries no valid credentials. */
  principal: Principal | null;
  /** `Set-Cookie` values the answer must carry (a rotated session id, a stale cookie cleared). */
  setCookie: string[];
  /** When set, the request is answered with this (e.g. 429 while the client is throttled) and goes no further. */
  answer?: Response;
}

export interface Authenticator {
  /** `none` (no sign-in: the app then refuses proxied and non-loopback requests), `local`, `oidc`, … */
  readonly kind: string;

  /**
   * Who is asking. Never throws for bad, expired, forged or malformed credentials (any header value): the principal
   * is then null. A session that has ended (signed out, expired, user removed) is never accepted again.
   */
  identify(req: Request, client: Client): Promise<Identity>;

  /**
   * The authenticator's own routes, answered before anyone is identified, all under `/auth/`; undefined for other
   * paths. Every implementation answers:
   *   GET  /auth/session   200 `{ name, role, signIn }` for a signed-in principal (`signIn`: whether signing out
   *                        means anything), 401 otherwise
   *   POST /auth/sign-out  ends the session server-side and clears its cookies; 200 `{ next }`, where the page goes next
   * and its sign-in flow (local: POST /auth/sign-in; OIDC: GET /auth/sign-in → the provider → GET /auth/callback).
   * Cookies it sets are HttpOnly, SameSite=Lax or Strict, Path=/, and over TLS Secure with the `__Host-` prefix.
   * State-changing requests reach it only after the app's CSRF check (same origin).
   */
  route(req: Request, url: URL, client: Client): Promise<Response | undefined>;

  /**
   * The answer to a request that needs a principal and has none: a page navigation is sent to sign in (303 to a
   * same-origin path, remembering where it was going); anything else gets 401 JSON, never a `Basic` challenge (a
   * browser would pop up its own dialog, which a home-screen app cannot show).
   */
  challenge(req: Request, url: URL): Response;
}
