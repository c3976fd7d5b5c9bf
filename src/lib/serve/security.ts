import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { UserError } from '../errors.js';

/**
 * The security rules of `cctv serve`, pure: where it may bind, who may ask, and the headers every answer carries.
 */

export interface Credentials {
  username: string;
  password: string;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/**
 * Throws a UserError unless binding `host` is allowed: a non-loopback address (the LAN, 0.0.0.0) needs `serve.auth`,
 * or anybody on the network would see the cameras.
 */
export function assertBindAllowed(host: string, auth: Credentials | undefined): void {
  if (!auth && !isLoopback(host)) {
    throw new UserError(
      `serve.host ${host} is reachable from other machines: set serve.auth (username and a password of 8+ characters) ` +
        'in the config, or bind 127.0.0.1',
    );
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Checks an `Authorization` header (HTTP Basic) against `auth` in constant time (both sides hashed first, so not even
 * the length leaks). Without configured credentials every request passes (loopback only, see assertBindAllowed).
 */
export function authorized(header: string | null, auth: Credentials | undefined): boolean {
  if (!auth) return true;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const expected = `${auth.username}:${auth.password}`;
  return timingSafeEqual(digest(given), digest(expected)) && given === expected;
}

/**
 * Without credentials the server trusts loopback: then the Host header must name a loopback host too, which stops
 * DNS-rebinding pages (evil.example resolving to 127.0.0.1) from reading the API.
 */
export function hostAllowed(hostHeader: string | null, auth: Credentials | undefined): boolean {
  if (auth) return true;
  if (!hostHeader) return false;
  const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
  return isLoopback(host);
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
