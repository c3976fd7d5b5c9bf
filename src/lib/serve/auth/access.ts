import type { Principal } from './authenticator.js';

/**
 * Who may reach which path: the one table (every entry tested in test/serve/auth-app.test.ts). Paths not listed
 * need a signed-in principal of any role; the first matching entry wins. The authenticator's own routes (/auth/…)
 * are public and decide themselves (sign-in needs nobody; sign-out and /auth/session need a session).
 */

export type Access = 'public' | 'signed-in' | 'admin';

export interface AccessRule {
  path: string;
  /** `exact`: this path only; `prefix`: every path starting with it. */
  match: 'exact' | 'prefix';
  access: Access;
  why: string;
}

export const ACCESS_RULES: readonly AccessRule[] = [
  { path: '/sign-in', match: 'exact', access: 'public', why: 'the sign-in page' },
  { path: '/sign-in.js', match: 'exact', access: 'public', why: 'its script' },
  { path: '/app.css', match: 'exact', access: 'public', why: 'its style sheet' },
  { path: '/icon.svg', match: 'exact', access: 'public', why: 'its icon' },
  { path: '/healthz', match: 'exact', access: 'public', why: 'liveness for a service manager or a load balancer' },
  { path: '/readyz', match: 'exact', access: 'public', why: 'readiness: stage names and states, nothing recorded' },
  { path: '/manifest.webmanifest', match: 'exact', access: 'public', why: 'the web app manifest: a phone reads it (without cookies) to add the app to its home screen' },
  { path: '/icon-192.png', match: 'exact', access: 'public', why: 'the home-screen icons the manifest names' },
  { path: '/icon-512.png', match: 'exact', access: 'public', why: 'the home-screen icons the manifest names' },
  { path: '/icon-maskable-512.png', match: 'exact', access: 'public', why: 'the home-screen icons the manifest names' },
  { path: '/apple-touch-icon.png', match: 'exact', access: 'public', why: 'the iPhone home-screen icon (fetched without cookies)' },
  { path: '/auth/', match: 'prefix', access: 'public', why: 'the authenticator\'s routes: sign-in, sign-out, who am I' },
  { path: '/api/admin/', match: 'prefix', access: 'admin', why: 'users, API tokens and the access log' },
];

/** What `pathname` needs. */
export function requiredAccess(pathname: string): Access {
  for (const r of ACCESS_RULES) if (r.match === 'exact' ? pathname === r.path : pathname.startsWith(r.path)) return r.access;
  return 'signed-in';
}

/** True when `principal` (null: nobody signed in) may reach a path that needs `access`. */
export function permits(access: Access, principal: Principal | null): boolean {
  if (access === 'public') return true;
  if (!principal) return false;
  return access === 'signed-in' || principal.role === 'admin';
}

/**
 * Footage: the paths whose successful GETs go to the access log (who watched what, when, from where). A stored
 * clip, a continuous recording, a camera's latest frame, live video (one camera or the grid's framed stream), an
 * export. Posters (event thumbnails) and the timeline's scrubbing thumbnails are not logged.
 */
const FOOTAGE = [/^\/media\/clip\//, /^\/media\/recording\//, /^\/media\/latest\//, /^\/media\/live(\/|$)/, /^\/media\/export\.zip$/];

export function isFootage(pathname: string): boolean {
  return FOOTAGE.some((re) => re.test(pathname));
}
