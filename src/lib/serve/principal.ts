/**
 * Who is asking: the seam between authentication (which decides it, once per request, in app.ts) and the routes
 * (which use it: per-user review marks, per-user limits, the access log). Routes never look at credentials.
 */
export interface Principal {
  /** The user name (unique; what review marks and limits are kept by). */
  name: string;
  /** admin: everything; viewer: watches and reviews, no administration. */
  role: 'admin' | 'viewer';
}

/** The principal of every request when `serve.auth` is off (loopback only): the machine's own user, an admin. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ name: 'local', role: 'admin' });

/** What a route receives besides the request: who asks. */
export interface RequestContext {
  principal: Principal;
}
