import { BlockList, isIP } from 'node:net';
import { UserError } from '../errors.js';
import type { Client } from './auth/authenticator.js';

/**
 * The security rules of `cctv serve`, pure: where it may bind, which requests come through a proxy and who is really
 * asking then, which state-changing requests are the app's own (CSRF), and the headers every answer carries.
 */

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/**
 * Throws a UserError unless binding `host` is allowed: a non-loopback address (the LAN, 0.0.0.0) needs sign-in
 * (`serve.auth` or a user added with `cctv user add`), or anybody on the network would see the cameras.
 */
export function assertBindAllowed(host: string, signIn: boolean): void {
  if (!signIn && !isLoopback(host)) {
    throw new UserError(
      `serve.host ${host} is reachable from other machines: turn sign-in on — add a user (cctv user add NAME --role admin) ` +
        'or set serve.auth (username and a password of 8+ characters) — or bind 127.0.0.1',
    );
  }
}

/**
 * Without sign-in the server trusts loopback: then the Host header must name a loopback host too, which stops
 * DNS-rebinding pages (evil.example resolving to 127.0.0.1) from reading the API.
 */
export function hostAllowed(hostHeader: string | null): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
  return isLoopback(host);
}

/** The headers a reverse proxy adds: a request carrying any of them came through one. */
export const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via'] as const;

/** `serve.trustedProxies` (addresses or CIDR ranges) as a membership test; throws on an entry that is neither. */
export function trustedProxyList(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const e of entries) {
    const [addr = '', bits] = e.split('/');
    const family = isIP(addr);
    if (!family) throw new UserError(`serve.trustedProxies: "${e}" is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1)`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr, type);
    else {
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new UserError(`serve.trustedProxies: "${e}" has a bad prefix length`);
      list.addSubnet(addr, prefix, type);
    }
  }
  return (address) => {
    const a = plainAddress(address);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** An address without brackets, port or the IPv4-mapped prefix (`::ffff:127.0.0.1` → `127.0.0.1`). */
export function plainAddress(address: string): string {
  let a = address.trim().replace(/^"|"$/g, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.replace(/:\d+$/, '');
  return a.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

export interface Forwarded {
  /** The request carries proxy headers. */
  proxied: boolean;
  /** It came from a trusted proxy (whose headers are then believed). */
  trusted: boolean;
  client: Client;
  /** The host the client asked for, as the trusted proxy reports it (else null: use the Host header). */
  host: string | null;
}

const lastOf = (v: string | null) => v?.split(',').map((s) => s.trim()).filter(Boolean).pop();

/** RFC 7239 `Forwarded` elements, in order, as maps of lower-cased parameter names to unquoted values. */
function forwardedElements(header: string): Map<string, string>[] {
  return header.split(',').map((el) => {
    const params = new Map<string, string>();
    for (const pair of el.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) params.set(pair.slice(0, eq).trim().toLowerCase(), pair.slice(eq + 1).trim().replace(/^"|"$/g, ''));
    }
    return params;
  });
}

/**
 * Who is asking, given the socket's `peer` and whether it is TLS. Only a trusted proxy's headers are believed: the
 * client is the last address of its chain (Forwarded, else X-Forwarded-For, else X-Real-IP) that is not itself a
 * trusted proxy; TLS and the host come from its proto/host parameters (X-Forwarded-Proto/-Host).
 */
export function forwardedClient(headers: Headers, peer: { address: string; secure: boolean }, trusted: (address: string) => boolean): Forwarded {
  const proxied = PROXY_HEADERS.some((h) => headers.has(h));
  const direct: Forwarded = { proxied, trusted: false, client: { address: plainAddress(peer.address), secure: peer.secure }, host: null };
  if (!proxied || !trusted(peer.address)) return direct;
  const fwd = headers.get('forwarded');
  const elements = fwd ? forwardedElements(fwd) : [];
  const chain = fwd
    ? elements.map((e) => e.get('for') ?? '')
    : (headers.get('x-forwarded-for') ?? headers.get('x-real-ip') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let address = plainAddress(peer.address);
  for (let i = chain.length - 1; i >= 0; i--) {
    const a = plainAddress(chain[i]!);
    if (!isIP(a)) break; // `unknown`, an obfuscated name: keep the last real address
    address = a;
    if (!trusted(a)) break;
  }
  const nearest = elements[elements.length - 1];
  const proto = (fwd ? nearest?.get('proto') : lastOf(headers.get('x-forwarded-proto')))?.toLowerCase();
  const host = (fwd ? nearest?.get('host') : lastOf(headers.get('x-forwarded-host'))) ?? null;
  return { proxied, trusted: true, client: { address, secure: peer.secure || proto === 'https' }, host };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF: whether a request may change state. Safe methods always may. Others must come from the app's own origin:
 * `Origin` equal to `ownOrigin`, or, without Origin, `Sec-Fetch-Site: same-origin`; any other Sec-Fetch-Site
 * (`same-site` is another port or subdomain, which SameSite cookies do not stop) is refused. A request with neither
 * header is not from a browser: it may only carry explicit credentials (`Authorization`), never ride on a cookie.
 * Returns the reason for a refusal, or undefined.
 */
export function csrfRefusal(r: { method: string; origin: string | null; fetchSite: string | null; authorization: boolean; ownOrigin: string }): string | undefined {
  if (SAFE_METHODS.has(r.method)) return undefined;
  if (r.fetchSite && r.fetchSite !== 'same-origin') return `cross-origin request (Sec-Fetch-Site: ${r.fetchSite})`;
  if (r.origin !== null) return r.origin.toLowerCase() === r.ownOrigin.toLowerCase() ? undefined : `cross-origin request (Origin: ${r.origin})`;
  if (r.fetchSite === 'same-origin' || r.authorization) return undefined;
  return 'no Origin header: send it, or use an API token (Authorization: Bearer)';
}

/**
 * Headers on every answer. `mediaOrigins`: extra origins media may come from (the S3 endpoint of presigned URLs).
 */
export function securityHeaders(mediaOrigins: readonly string[]): Record<string, string> {
  const media = ["'self'", ...mediaOrigins].join(' ');
  return {
    'content-security-policy': [
      "default-src 'self'",
      `img-src ${media} data:`,
      `media-src ${media}`,
      "style-src 'self'",
      "script-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
}
