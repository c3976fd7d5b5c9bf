import { describe, expect, it } from 'vitest';
import { backoffMs, fullJitter, restartBackoff, sleep } from '../src/lib/wait.js';

describe('backoffMs', () => {
  it.each([
    [1, 1000], [2, 2000], [3, 4000], [5, 16_000], [6, 30_000], [20, 30_000],
  ])('before attempt %i+1: %i ms', (attempt, ms) => {
    expect(backoffMs(attempt, { baseMs: 1000, maxMs: 30_000 })).toBe(ms);
  });
});

describe('restartBackoff', () => {
  it.each([
    [0, 0, 30, 1, 1],
    [1, 1000, 30, 2, 2],
    [5, 1000, 30, 6, 30], // after 16 s
    [6, 1000, 30, 7, 30], // after 30 s
    [5, 60_000, 30, 1, 1], // a healthy minute resets the series
  ])('after %i failures, ran %ims, max %i → failure %i, %is', (failures, ran, max, nth, seconds) => {
    expect(restartBackoff(failures, ran, max)).toEqual({ failures: nth, seconds });
  });
});

describe('full jitter over the backoff', () => {
  const b = { baseMs: 100, maxMs: 1000 };
  it.each([
    [0, 1, 99],
    [1, 1, 199],
    [3, 1, 799],
    [4, 1, 999], // capped
    [10, 1, 999],
    [3, 0, 0],
    [3, 0.5, 400],
  ])('retry %d+1, random %d → %d ms', (attempt, random, expected) => {
    expect(fullJitter(backoffMs(attempt + 1, b), () => (random === 1 ? 0.999999 : random))).toBe(expected);
  });
});

describe('sleep', () => {
  it('resolves after the time, early when its signal aborts, at once when it already has', async () => {
    let t0 = Date.now();
    await sleep(60);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    const stop = new AbortController();
    t0 = Date.now();
    setTimeout(() => stop.abort(), 20);
    await sleep(10_000, stop.signal);
    expect(Date.now() - t0).toBeLessThan(5000);
    t0 = Date.now();
    await sleep(10_000, stop.signal);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
