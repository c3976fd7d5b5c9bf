import { describe, expect, it } from 'vitest';
import {
  absorb, CHANGE_DELTA, FOREGROUND_SLOWDOWN, foreground, learn, learningRate, NOISE_FACTOR, NOISE_MEMORY, seedBackground,
} from '../../src/lib/motion/background.js';

const f32 = (...v: number[]) => Float32Array.from(v);
const all = (n: number) => new Uint8Array(n).fill(1);

describe('learningRate', () => {
  it.each([
    [0, 10, 0],
    [10, 10, 1 - Math.exp(-1)],
    [0.25, 10, 1 - Math.exp(-0.025)],
    [-1, 10, 0],
  ])('%f s with a %f s time constant → %f', (elapsed, tau, want) => {
    expect(learningRate(elapsed, tau)).toBeCloseTo(want, 9);
  });
});

describe('foreground', () => {
  it.each([
    ['a pixel beyond the threshold is foreground', [100], [140], [0], [1], 30, [1], 1],
    ['a pixel within the threshold is not, but it changed', [100], [120], [0], [1], 30, [0], 1],
    ['a change below CHANGE_DELTA is nothing', [100], [100 + CHANGE_DELTA - 0.5], [0], [1], 30, [0], 0],
    ['darker counts as much as brighter', [100], [60], [0], [1], 30, [1], 1],
    ['a restless pixel needs NOISE_FACTOR times its noise', [100], [140], [15], [1], 30, [0], 0],
    ['outside the mask nothing counts', [100, 100], [200, 200], [0, 0], [0, 1], 30, [0, 1], 1],
  ])('%s', (_name, mean, pixels, noise, mask, threshold, fg, changed) => {
    const bg = { mean: f32(...mean), noise: f32(...noise) };
    const raw = Uint8Array.from(pixels, (v) => Math.min(254, Math.max(1, v)));
    const r = foreground(f32(...pixels), raw, bg, Uint8Array.from(mask), threshold);
    expect(Array.from(r.fg)).toEqual(fg);
    expect(r.count).toBe(fg.filter(Boolean).length);
    expect(r.changed).toBe(changed);
  });

  it('NOISE_FACTOR is what the noise is multiplied by', () => {
    const bg = { mean: f32(100), noise: f32(20) };
    expect(foreground(f32(100 + NOISE_FACTOR * 20 + 1), Uint8Array.of(161), bg, all(1), 10).count).toBe(1);
    expect(foreground(f32(100 + NOISE_FACTOR * 20 - 1), Uint8Array.of(159), bg, all(1), 10).count).toBe(0);
  });

  it.each([
    ['clipped white, matched darker than the background: nothing (overexposed, not moved)', 255, 150, 200, 0],
    ['clipped white, matched much brighter: foreground (a white car on asphalt)', 255, 250, 200, 1],
    ['clipped black, matched brighter: nothing', 0, 250, 100, 0],
    ['clipped black, matched much darker: foreground', 0, 50, 100, 1],
    ['not clipped, darker: foreground', 120, 150, 200, 1],
  ])('%s', (_name, raw, matched, mean, want) => {
    const bg = { mean: f32(mean), noise: f32(0) };
    expect(foreground(f32(matched), Uint8Array.of(raw), bg, all(1), 30).count).toBe(want);
  });
});

describe('learn', () => {
  it('moves background pixels by the rate and foreground pixels FOREGROUND_SLOWDOWN times slower', () => {
    const bg = seedBackground(f32(100, 100));
    learn(bg, f32(200, 200), Uint8Array.from([0, 1]), 0.5);
    expect(bg.mean[0]).toBeCloseTo(150, 5);
    expect(bg.mean[1]).toBeCloseTo(100 + 100 * (0.5 / FOREGROUND_SLOWDOWN), 5);
  });

  it('lets noise rise at the rate and fall NOISE_MEMORY times slower', () => {
    const bg = seedBackground(f32(100));
    learn(bg, f32(120), new Uint8Array(1), 0.5);
    expect(bg.noise[0]).toBeCloseTo(10, 5); // |d| = 20, half way
    bg.mean[0] = 100;
    learn(bg, f32(100), new Uint8Array(1), 0.5);
    expect(bg.noise[0]).toBeCloseTo(10 - 10 * (0.5 / NOISE_MEMORY), 5);
  });
});

describe('absorb', () => {
  it('copies the foreground pixels of a box into the background, nothing else', () => {
    // 3×2 picture; box = the left 2×2; foreground at (0,0) and (2,0).
    const bg = seedBackground(f32(0, 0, 0, 0, 0, 0));
    absorb(bg, f32(9, 9, 9, 9, 9, 9), Uint8Array.from([1, 0, 1, 0, 0, 0]), 3, { x0: 0, y0: 0, x1: 1, y1: 1 });
    expect(Array.from(bg.mean)).toEqual([9, 0, 0, 0, 0, 0]);
  });
});
