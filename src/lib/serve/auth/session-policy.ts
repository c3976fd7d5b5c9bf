/**
 * The session cookie and the life of a session, as pure decisions (table-tested in test/serve/auth-policy.test.ts).
 *
 * - The cookie holds a random 256-bit id (base64url); the catalog holds its sha256, so a copy of the catalog signs
 *   nobody in. Over TLS it is `__Host-cctv-session` (Secure, Path=/, no Domain: only this origin, only HTTPS);
 *   over plain HTTP on a LAN `cctv-session` (a Secure cookie would not be kept). Always HttpOnly (no script reads
 *   it) and SameSite=Lax (sent on a top-level navigation from an alert's link, never on another site's POST or fetch;
 *   state-changing routes also check Origin, see security.ts csrfVerdict).
 * - A session ends at sign-out, after `idleMs` without a request, `absoluteMs` after the sign-in whatever happens,
 *   or when its user is removed or their password changes. Its id is replaced every `rotateMs` (the old id keeps
 *   serving requests already in flight for `graceMs`), so a copied cookie stops working soon after.
 */

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  rotateMs: number;
  graceMs: number;
  /** The last-request time is written at most this often (a write per request would cost more than the lookup). */
  touchMs: number;
}

const HOUR = 3_600_000;
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 72 * HOUR, absoluteMs: 30 * 24 * HOUR, rotateMs: HOUR, graceMs: 60_000, touchMs: 60_000 };

export const SESSION_COOKIE = { secure: '__Host-cctv-session', plain: 'cctv-session' } as const;

/** A session id as this module writes it: 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** The `Set-Cookie` value that stores session `id` for `maxAgeS` seconds. */
export function sessionCookie(id: string, secure: boolean, maxAgeS: number): string {
  const name = secure ? SESSION_COOKIE.secure : SESSION_COOKIE.plain;
  return `${name}=${id}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeS))}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` values that remove the session cookie (under both names). */
export function clearedCookies(secure: boolean): string[] {
  const plain = `${SESSION_COOKIE.plain}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  return secure ? [`${SESSION_COOKIE.secure}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure`, plain] : [plain];
}

/**
 * The session id in a `Cookie` header: the `__Host-` one first, then the plain one; undefined when absent or not of
 * the form this module writes (so no lookup is made for garbage).
 */
export function sessionIdFrom(cookieHeader: string | null): string | undefined {
  if (!cookieHeader) return undefined;
  const found = new Map<string, string>();
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if ((name === SESSION_COOKIE.secure || name === SESSION_COOKIE.plain) && !found.has(name)) found.set(name, part.slice(eq + 1).trim());
  }
  for (const name of [SESSION_COOKIE.secure, SESSION_COOKIE.plain]) {
    const v = found.get(name);
    if (v !== undefined && SESSION_ID.test(v)) return v;
  }
  return undefined;
}

export interface SessionTimes {
  signedInMs: number;
  seenMs: number;
  issuedMs: number;
  /** Set once the id was rotated: it serves requests until then. */
  retireMs: number | null;
}

export type SessionVerdict =
  | { valid: true; rotate: boolean; touch: boolean; maxAgeS: number }
  | { valid: false; why: 'idle' | 'absolute' | 'rotated' };

/**
 * What to do with a session found for a request at `nowMs`. A clock stepped back never extends a session beyond its
 * absolute end (counted from the sign-in) and never makes it look idle.
 */
export function sessionVerdict(s: SessionTimes, nowMs: number, p: SessionPolicy): SessionVerdict {
  const endMs = s.signedInMs + p.absoluteMs;
  if (nowMs >= endMs) return { valid: false, why: 'absolute' };
  if (nowMs - s.seenMs >= p.idleMs) return { valid: false, why: 'idle' };
  if (s.retireMs !== null && nowMs >= s.retireMs) return { valid: false, why: 'rotated' };
  const retired = s.retireMs !== null;
  return {
    valid: true,
    rotate: !retired && nowMs - s.issuedMs >= p.rotateMs,
    touch: !retired && nowMs - s.seenMs >= p.touchMs,
    maxAgeS: Math.ceil((endMs - nowMs) / 1000),
  };
}
