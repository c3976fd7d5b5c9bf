import { isIP } from 'node:net';

/**
 * Throttling of wrong passwords, per client address and per user name. Each key counts failures: the first
 * `free` cost nothing, then each further one locks the key for `baseMs` doubling up to `maxMs`; a key forgets its
 * failures `forgetMs` after the last one, and a success clears it. A sign-in is refused (429 with Retry-After) while
 * either its address or the name it gives is locked — even with the right password, or the lock would be a hint.
 * The per-name lock is short (an attacker could otherwise lock the owner out); the per-address one grows long.
 * IPv6 addresses count by their /64 (one subscriber's whole prefix). Decisions are pure; `Throttle` keeps the state
 * in memory (a restart forgets it), bounded in size.
 */

export interface ThrottlePolicy {
  free: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
}

export const ADDRESS_POLICY: ThrottlePolicy = { free: 5, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: 24 * 3_600_000 };
export const NAME_POLICY: ThrottlePolicy = { free: 10, baseMs: 1000, maxMs: 5 * 60_000, forgetMs: 3_600_000 };

export interface Strikes {
  failures: number;
  lastMs: number;
}

/** Until when `s` locks its key (0: not locked). */
export function lockedUntil(s: Strikes | undefined, p: ThrottlePolicy): number {
  if (!s || s.failures < p.free) return 0;
  const exponent = Math.min(s.failures - p.free, 30);
  return s.lastMs + Math.min(p.maxMs, p.baseMs * 2 ** exponent);
}

/** The strikes after a failure at `nowMs` (old failures forgotten first). */
export function afterFailure(s: Strikes | undefined, nowMs: number, p: ThrottlePolicy): Strikes {
  const fresh = !s || nowMs - s.lastMs >= p.forgetMs;
  return { failures: fresh ? 1 : s.failures + 1, lastMs: nowMs };
}

/** Whole seconds to wait (at least 1) when any key is locked at `nowMs`; 0 when the attempt may go ahead. */
export function retryAfterSeconds(locks: readonly number[], nowMs: number): number {
  const until = Math.max(0, ...locks);
  return until > nowMs ? Math.max(1, Math.ceil((until - nowMs) / 1000)) : 0;
}

/** The throttling key of a client address: IPv4 as it is, IPv6 by its /64, anything else as given. */
export function addressKey(address: string): string {
  const a = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (isIP(a) !== 6) return a;
  const [head = '', tail = ''] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const MAX_KEYS = 10_000;

export class Throttle {
  private readonly strikes = new Map<string, Strikes>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds to wait before `address` may try `name` (0: go ahead). */
  retryAfter(address: string, name: string): number {
    const t = this.now();
    return retryAfterSeconds(
      [lockedUntil(this.strikes.get(`a:${addressKey(address)}`), ADDRESS_POLICY), lockedUntil(this.strikes.get(`n:${name}`), NAME_POLICY)],
      t,
    );
  }

  /** A wrong password from `address` (for `name`, when one was given). */
  failed(address: string, name?: string): void {
    const t = this.now();
    this.bump(`a:${addressKey(address)}`, t, ADDRESS_POLICY);
    if (name !== undefined) this.bump(`n:${name}`, t, NAME_POLICY);
  }

  succeeded(address: string, name: string): void {
    this.strikes.delete(`a:${addressKey(address)}`);
    this.strikes.delete(`n:${name}`);
  }

  private bump(key: string, t: number, p: ThrottlePolicy): void {
    const next = afterFailure(this.strikes.get(key), t, p);
    this.strikes.delete(key); // re-inserted last: the map stays ordered by last failure
    this.strikes.set(key, next);
    if (this.strikes.size > MAX_KEYS) this.strikes.delete(this.strikes.keys().next().value!);
  }
}
