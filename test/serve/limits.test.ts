import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/lib/serve/http.js';
import { Limits, refusal } from '../../src/lib/serve/limits.js';

const LIMITS = { liveSessions: 3, liveSessionsPerUser: 2, remuxes: 4, remuxesPerUser: 2 };

describe('refusal (serve.limits)', () => {
  it.each([
    ['remux', 0, 0, null],
    ['remux', 3, 1, null],
    ['remux', 2, 2, /remuxesPerUser/],
    ['remux', 4, 0, /serve\.limits\.remuxes\)/],
    ['live', 2, 1, null],
    ['live', 2, 2, /liveSessionsPerUser/],
    ['live', 3, 0, /serve\.limits\.liveSessions\)/],
  ] as const)('%s with %i open (%i of the user): %s', (kind, total, ofUser, why) => {
    const r = refusal(kind, total, ofUser, LIMITS);
    if (why === null) expect(r).toBeNull();
    else expect(r).toMatch(why);
  });
});

describe('Limits', () => {
  it('a place is given back once, however often release is called; beyond the limit a 429 with Retry-After', () => {
    const limits = new Limits(LIMITS);
    const a = limits.acquire('remux', 'ann');
    limits.acquire('remux', 'ann');
    expect(() => limits.acquire('remux', 'ann')).toThrow(expect.objectContaining({ status: 429, headers: { 'retry-after': '5' } }));
    a();
    a();
    expect(limits.count('remux')).toBe(1);
    limits.acquire('remux', 'ann');
    expect(limits.count('remux')).toBe(2);
  });

  it('a request whose client has gone takes no place', () => {
    const limits = new Limits(LIMITS);
    const gone = new AbortController();
    gone.abort();
    let err: unknown;
    try {
      limits.acquire('remux', 'ann', gone.signal);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(499);
    expect(limits.count('remux')).toBe(0);
  });
});
