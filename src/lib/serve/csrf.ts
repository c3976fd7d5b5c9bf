/**
 * The CSRF rule for state-changing requests (every method but GET and HEAD), applied to all of them in app.ts before
 * any route: a browser sends `Origin` with every POST, so a request from another site's page names that site and is
 * refused. A request without `Origin` passes only when it is not from a browser page either (no `Sec-Fetch-Site`,
 * or `same-origin`/`none`): scripts such as curl. (Session cookies are SameSite as well; see the README.)
 */
export function sameOriginWrite(headers: Headers): boolean {
  const origin = headers.get('origin');
  const host = headers.get('host');
  if (origin !== null) {
    if (!host) return false;
    try {
      return new URL(origin).host === host.toLowerCase();
    } catch {
      return false; // "null" (a sandboxed or file: page) and garbage
    }
  }
  const site = headers.get('sec-fetch-site');
  return site === null || site === 'same-origin' || site === 'none';
}
