import { describe, expect, it } from 'vitest';
import { nextBackoff, parseSegmentList, segmentWallTimes } from '../../src/lib/record/supervision.js';
import { segmentTimeFromPath } from '../../src/lib/record/paths.js';

describe('parseSegmentList', () => {
  it.each([
    ['', 0, [], 0],
    ['a.mkv,0.000000,8.009000\n', 0, [{ name: 'a.mkv', start: 0, end: 8.009 }], 24],
    ['a.mkv,0.0,8.0\nb.mkv,8.0,18.0\nc.mkv,18', 0, [{ name: 'a.mkv', start: 0, end: 8 }, { name: 'b.mkv', start: 8, end: 18 }], 29],
    ['a.mkv,0.0,8.0\nb.mkv,8.0,18.0\n', 14, [{ name: 'b.mkv', start: 8, end: 18 }], 29],
  ])('%j from %i', (text, offset, entries, consumed) => {
    expect(parseSegmentList(text, offset)).toEqual({ entries, consumed });
  });
});

describe('nextBackoff', () => {
  it.each([
    [0, 0, 30, 1],
    [1, 1000, 30, 2],
    [16, 1000, 30, 30],
    [30, 1000, 30, 30],
    [16, 60_000, 30, 1],
  ])('after %is, ran %ims, max %i → %i', (prev, ran, max, want) => {
    expect(nextBackoff(prev, ran, max)).toBe(want);
  });
});

describe('segmentWallTimes', () => {
  it('takes the smaller offset of this open and the next (a connect burst delivers old frames late)', () => {
    // Opened at 35.3 s wall with stream time 0; the next segment opened at 40.2 s for stream time 6.0.
    expect(segmentWallTimes({ name: 'a', start: 0, end: 6 }, 35_300, 40_200, null)).toEqual({ startMs: 34_200, endMs: 40_200 });
  });
  it('starts where the previous segment of the run ended', () => {
    expect(segmentWallTimes({ name: 'b', start: 6, end: 16 }, 40_200, 50_150, 40_200)).toEqual({ startMs: 40_200, endMs: 50_150 });
  });
  it('uses its own open time when it is the last segment', () => {
    expect(segmentWallTimes({ name: 'c', start: 16, end: 20 }, 50_200, null, 50_150)).toEqual({ startMs: 50_150, endMs: 54_200 });
  });
});

describe('segmentTimeFromPath', () => {
  it.each([
    ['recordings/front/2026-11-23/231135.mkv', '2026-11-23T23:11:35.000Z'],
    ['/x/recordings/a/2024-02-29/000000.mp4', '2024-02-29T00:00:00.000Z'],
    ['recordings/front/2026-11-23/231135.avi', null],
    ['recordings/front/2026-11-23/.segments.csv', null],
  ])('%s → %s', (p, want) => {
    expect(segmentTimeFromPath(p)?.toISOString() ?? null).toBe(want);
  });
});
