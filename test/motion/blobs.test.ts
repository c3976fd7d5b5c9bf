import { describe, expect, it } from 'vitest';
import { findBlobs, near, sameBox, trackBlobs, type Track } from '../../src/lib/motion/blobs.js';

/** A mask from rows of '.' and '#'. */
const mask = (rows: string[]) => ({
  fg: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)),
  width: rows[0]!.length,
  height: rows.length,
});

describe('findBlobs', () => {
  it.each([
    ['nothing', ['....', '....'], 2, []],
    ['one pixel', ['.#..', '....'], 2, [{ x0: 1, y0: 0, x1: 1, y1: 0, area: 1 }]],
    ['diagonal neighbours are one blob', ['#...', '.#..', '..#.'], 1, [{ x0: 0, y0: 0, x1: 2, y1: 2, area: 3 }]],
    ['two blobs, largest first', ['#.....', '#...##', '....##'], 2, [{ x0: 4, y0: 1, x1: 5, y1: 2, area: 4 }, { x0: 0, y0: 0, x1: 0, y1: 1, area: 2 }]],
    ['specks one pixel apart join (head, body, legs)', ['.#.', '...', '.#.', '...', '.#.'], 2, [{ x0: 1, y0: 0, x1: 1, y1: 4, area: 3 }]],
    ['…but not with plain 8-connectivity', ['.#.', '...', '.#.'], 1, [{ x0: 1, y0: 0, x1: 1, y1: 0, area: 1 }, { x0: 1, y0: 2, x1: 1, y1: 2, area: 1 }]],
  ] as const)('%s (reach %i)', (_name, rows, reach, want) => {
    const m = mask([...rows]);
    const got = findBlobs(m.fg, m.width, m.height, reach);
    expect(got).toEqual(expect.arrayContaining(want.map((b) => expect.objectContaining(b))));
    expect(got.map((b) => b.area)).toEqual(want.map((b) => b.area));
  });
});

describe('near and sameBox', () => {
  const a = { x0: 0, y0: 0, x1: 2, y1: 2 };
  it.each([
    [{ x0: 2, y0: 2, x1: 4, y1: 4 }, 0, true],
    [{ x0: 4, y0: 0, x1: 6, y1: 2 }, 0, false],
    [{ x0: 4, y0: 0, x1: 6, y1: 2 }, 1, true],
    [{ x0: 0, y0: 7, x1: 2, y1: 9 }, 2, false],
  ])('%j with margin %i → %s', (b, margin, want) => {
    expect(near(a, b, margin)).toBe(want);
  });
  it.each([
    [{ x0: 1, y0: 0, x1: 3, y1: 2 }, true],
    [{ x0: 0, y0: 0, x1: 4, y1: 2 }, false],
  ])('sameBox %j → %s', (b, want) => {
    expect(sameBox(a, b)).toBe(want);
  });
});

describe('trackBlobs', () => {
  const blob = (x: number, area = 4) => ({ x0: x, y0: 0, x1: x + 1, y1: 1, area });
  const track = (x: number, hits: number, firstAtMs: number, stillSinceMs = firstAtMs): Track => ({ ...blob(x), hits, firstAtMs, stillSinceMs });

  it.each([
    ['a new blob starts a track', [], [blob(0)], [track(0, 1, 1000)]],
    ['a blob near a track continues it', [track(0, 1, 500)], [blob(3)], [{ ...track(3, 2, 500), stillSinceMs: 1000 }]],
    ['a blob that did not move stays still since then', [track(0, 3, 0, 250)], [blob(0)], [track(0, 4, 0, 250)]],
    ['a blob too far starts over', [track(0, 5, 0)], [blob(20)], [track(20, 1, 1000)]],
    ['a blob joining two tracks takes the best hits and the earliest sighting', [track(0, 2, 300), track(6, 4, 600)], [{ x0: 0, y0: 0, x1: 7, y1: 1, area: 9 }], [{ x0: 0, y0: 0, x1: 7, y1: 1, area: 9, hits: 5, firstAtMs: 300, stillSinceMs: 1000 }]],
    ['tracks without a blob end', [track(0, 5, 0)], [], []],
  ] as const)('%s', (_name, previous, blobs, want) => {
    expect(trackBlobs([...previous], [...blobs], 1000, 3)).toEqual(want);
  });
});
