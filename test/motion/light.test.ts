import { describe, expect, it } from 'vitest';
import { brightnessTable, FLAT, KNOTS, matchBrightness, quantiles } from '../../src/lib/motion/light.js';

const all = (n: number) => new Uint8Array(n).fill(1);
/** A textured 16×16 picture. */
const scene = Uint8Array.from({ length: 256 }, (_, i) => 40 + ((i * 37) % 160));
const bg = Float32Array.from(scene);
const worst = (a: ArrayLike<number>, b: ArrayLike<number>, from = 0) => {
  let m = 0;
  for (let i = from; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('quantiles', () => {
  it.each([
    ['0..99', Array.from({ length: 100 }, (_, i) => i), all(100), [0.25, 0.5, 0.75], [24, 49, 74]],
    ['only where the mask is 1', [10, 20, 30, 250], Uint8Array.from([1, 1, 1, 0]), [0.5, 1], [20, 30]],
    ['rounded and clamped', [-5, 12.6, 300], all(3), [0, 0.5, 1], [0, 13, 255]],
  ])('%s', (_name, pixels, mask, qs, want) => {
    expect(quantiles(pixels, mask, qs)).toEqual(want);
  });
  it('null for an empty mask', () => expect(quantiles([1, 2], new Uint8Array(2))).toBeNull());
});

describe('brightnessTable', () => {
  it.each([
    ['identity', [10, 100, 200], [10, 100, 200], [[0, 0], [50, 50], [255, 255]]],
    ['darker by half', [20, 100, 200], [10, 50, 100], [[0, 0], [60, 30], [250, 125]]],
    ['a bend (gamma) is followed between the knots', [0, 100, 200], [0, 150, 200], [[50, 75], [150, 175]]],
    ['clipped highlights: equal quantiles keep the one nearest the median', [50, 255, 255], [40, 200, 240], [[50, 40], [255, 200]]],
    [`flat (spread under ${FLAT}): only shifted`, [100, 101, 102], [10, 90, 200], [[0, 0 - 1], [101, 100]]],
  ] as [string, number[], number[], [number, number][]][])('%s', (_name, own, target, points) => {
    const t = brightnessTable(own, target);
    for (const [v, want] of points) expect(t[v]).toBeCloseTo(want, 4);
  });
});

describe('matchBrightness', () => {
  it.each([
    ['the same picture', (v: number) => v],
    ['the sun comes out (brighter, more contrast)', (v: number) => Math.min(255, v * 1.2 + 20)],
    ['a cloud (darker, flatter)', (v: number) => v * 0.6 + 5],
    ['dusk (much darker)', (v: number) => v * 0.3],
    ['another gamma', (v: number) => 255 * (v / 255) ** 0.6],
    ['overexposed: the highlights clip', (v: number) => Math.min(255, v * 1.6)],
  ])('%s: back to the original', (_name, light) => {
    const lit = scene.map((v) => Math.round(light(v)));
    const out = matchBrightness(lit, bg, all(256), 30);
    // Pixels whose light clipped cannot come back exactly; every other one does.
    const unclipped = Array.from(lit, (v) => v < 255);
    out.forEach((v, i) => unclipped[i] && expect(Math.abs(v - scene[i]!)).toBeLessThan(5));
  });

  it.each([
    ['bright', 255],
    ['dark', 0],
  ])('a %s object over 15 %% of the picture does not bend the rest, and stays an object', (_name, value) => {
    const lit = scene.map((v, i) => (i < 38 ? value : Math.round(v * 0.8)));
    const out = matchBrightness(lit, bg, all(256), 30);
    expect(worst(out, scene, 38)).toBeLessThan(2);
    for (let i = 0; i < 38; i++) expect(Math.abs(out[i]! - scene[i]!)).toBeGreaterThan(30);
  });

  it('only the masked pixels decide', () => {
    const mask = Uint8Array.from({ length: 256 }, (_, i) => (i < 128 ? 1 : 0));
    const lit = scene.map((v, i) => (i < 128 ? Math.round(v * 0.5) : 0));
    expect(worst(matchBrightness(lit, bg, mask, 30).subarray(0, 128), scene.subarray(0, 128))).toBeLessThan(2);
  });

  it('uses the 9 quantiles of KNOTS', () => expect(KNOTS).toHaveLength(9));
});
