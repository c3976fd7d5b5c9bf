import { describe, expect, it } from 'vitest';
import { clipKeyBase, eventWindow, keySegment, planCut, readiness, type Recording } from '../../src/lib/clips/window.js';

const T = Date.UTC(2024, 4, 1, 12, 0, 0);
const s = (n: number) => T + n * 1000;
const rec = (path: string, from: number, to: number): Recording => ({ path, startMs: s(from), endMs: s(to) });

describe('eventWindow', () => {
  it.each([
    [0, 10, 5, 10, -5, 20],
    [0, 0, 0, 0, 0, 0],
    [10, 5, 2, 3, 8, 13], // an end before the start is treated as the start
  ])('start %i end %i pre %i post %i → [%i, %i]', (start, end, pre, post, from, to) => {
    expect(eventWindow(s(start), s(end), pre, post)).toEqual({ fromMs: s(from), toMs: s(to) });
  });
});

describe('planCut', () => {
  const cases: { name: string; recs: Recording[]; from: number; to: number; pieces: [string, number, number?][]; gaps: [number, number][] }[] = [
    { name: 'inside one segment', recs: [rec('a', 0, 60)], from: 10, to: 25, pieces: [['a', 10, 25]], gaps: [] },
    { name: 'across two', recs: [rec('a', 0, 60), rec('b', 60, 120)], from: 50, to: 70, pieces: [['a', 50], ['b', 0, 10]], gaps: [] },
    { name: 'order does not matter', recs: [rec('b', 60, 120), rec('a', 0, 60)], from: 50, to: 70, pieces: [['a', 50], ['b', 0, 10]], gaps: [] },
    { name: 'hole in the middle', recs: [rec('a', 0, 60), rec('b', 70, 120)], from: 50, to: 80, pieces: [['a', 50], ['b', 0, 10]], gaps: [[60, 70]] },
    { name: 'recordings end early', recs: [rec('a', 0, 60)], from: 50, to: 80, pieces: [['a', 50]], gaps: [[60, 80]] },
    { name: 'recordings start late', recs: [rec('a', 30, 90)], from: 20, to: 40, pieces: [['a', 0, 10]], gaps: [[20, 30]] },
    { name: 'jitter below tolerance is no gap', recs: [rec('a', 0, 59.8), rec('b', 60, 120)], from: 50, to: 70, pieces: [['a', 50], ['b', 0, 10]], gaps: [] },
    { name: 'overlap taken from the earlier', recs: [rec('a', 0, 62), rec('b', 60, 120)], from: 50, to: 70, pieces: [['a', 50], ['b', 2, 10]], gaps: [] },
    { name: 'nothing', recs: [rec('a', 0, 10)], from: 20, to: 30, pieces: [], gaps: [[20, 30]] },
  ];
  it.each(cases)('$name', ({ recs, from, to, pieces, gaps }) => {
    const plan = planCut(recs, { fromMs: s(from), toMs: s(to) });
    expect(plan.pieces.map((p) => [p.path, p.inpoint, ...(p.outpoint === undefined ? [] : [p.outpoint])].map((x) => (typeof x === 'number' ? Math.round(x * 1000) / 1000 : x))))
      .toEqual(pieces.map((p) => p.filter((x) => x !== undefined)));
    expect(plan.gaps).toEqual(gaps.map(([a, b]) => ({ fromMs: s(a), toMs: s(b) })));
    expect(plan.partial).toBe(gaps.length > 0);
  });
});

describe('readiness', () => {
  const win = { fromMs: s(0), toMs: s(20) };
  it.each([
    ['covered: cut at once', [rec('a', -10, 30)], 21, 50, 'cut'],
    ['short of the end, before the deadline: wait', [rec('a', -10, 15)], 21, 50, 'wait'],
    ['short of the end, after the deadline: cut what exists', [rec('a', -10, 15)], 51, 50, 'cut'],
    ['nothing, before the deadline: wait', [], 21, 50, 'wait'],
    ['nothing, after the deadline', [], 51, 50, 'nothing'],
    ['a hole in the middle does not delay', [rec('a', -10, 5), rec('b', 10, 30)], 21, 50, 'cut'],
  ] as const)('%s', (_name, recs, now, deadline, expected) => {
    expect(readiness(planCut([...recs], win), s(now), s(deadline))).toBe(expected);
  });
});

describe('keys', () => {
  it.each([
    ['front', 'front-20240501T120000Z-abc123', 'clips/front/2024/05/01/front-20240501T120000Z-abc123'],
    ['back yard', '../x/y', 'clips/back_yard/2024/05/01/_._x_y'],
  ])('%s %s', (camera, id, key) => {
    expect(clipKeyBase(camera, id, T)).toBe(key);
  });
  it('keySegment never yields a dot-segment or an empty one', () => {
    expect(keySegment('.hidden')).toBe('_hidden');
    expect(keySegment('')).toBe('_');
  });
});
