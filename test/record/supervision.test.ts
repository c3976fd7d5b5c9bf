import { describe, expect, it } from 'vitest';
import { parseSegmentList, progressSeconds, segmentWallTimes, StreamClock } from '../../src/lib/record/supervision.js';
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

describe('StreamClock', () => {
  it('keeps the smallest recent wall − stream offset (a connect burst only loosens the bound)', () => {
    const c = new StreamClock(10_000);
    expect(c.offsetMs()).toBeNull();
    c.observe(35_300, 0); // opened after probing: loose
    c.observe(36_000, 1.8); // burst of buffered frames: 34 200
    c.observe(37_000, 2.7); // 34 300
    expect(c.offsetMs()).toBe(34_200);
    c.observe(50_000, 15.5); // 34 500: the window (10 s) has moved past the 34 200 sample
    expect(c.offsetMs()).toBe(34_500);
  });
});

describe('progressSeconds', () => {
  it.each([
    ['frame=  250 fps= 25 q=-1.0 size=N/A time=00:00:10.04 bitrate=N/A speed=   1x', 10.04],
    ['size=    1234kB time=01:02:03.50 bitrate= 123.4kbits/s', 3723.5],
    ["[segment @ 0x1] Opening 'a.mkv' for writing", null],
  ])('%s → %s', (line, want) => {
    expect(progressSeconds(line)).toBe(want);
  });
});

describe('segmentWallTimes', () => {
  it('places a segment by the run offset, starting where the previous one ended', () => {
    expect(segmentWallTimes({ name: 'a', start: 0, end: 6 }, 34_200, null)).toEqual({ startMs: 34_200, endMs: 40_200 });
    expect(segmentWallTimes({ name: 'b', start: 6, end: 16 }, 34_150, 40_200)).toEqual({ startMs: 40_200, endMs: 50_150 });
  });
});

describe('segmentTimeFromPath', () => {
  it.each([
    ['recordings/front/2026-11-23/231135.mkv', '2026-11-23T23:11:35.000Z'],
    ['/x/recordings/a/2024-02-29/000000.mp4', '2024-02-29T00:00:00.000Z'],
    ['recordings/front/2026-11-23/231135.avi', null],
    ['recordings/front/2026-11-23/.segments.csv', null],
    ['recordings/front/2026-11-23/231135-2.mkv', '2026-11-23T23:11:35.000Z'], // the second repeat after a clock step
    ['recordings/front/.run-ab12/000003.mkv', null], // ffmpeg's numbered name in its run folder
  ])('%s → %s', (p, want) => {
    expect(segmentTimeFromPath(p)?.toISOString() ?? null).toBe(want);
  });
});
