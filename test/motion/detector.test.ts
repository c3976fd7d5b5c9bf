import { describe, expect, it } from 'vitest';
import { MOTION_HEIGHT as H, MOTION_WIDTH as W, MotionDetector, pixelThreshold, WARMUP_SAMPLES, WARMUP_SECONDS, type MotionSettings, type MotionState } from '../../src/lib/motion/detector.js';

/**
 * Small synthetic scenes at the detector's size (128×72): a textured yard with a little sensor noise, lit in
 * different ways, with or without a 6×12 "person" (1 % of the picture) walking across.
 */
const SETTINGS: MotionSettings = {
  sensitivity: 0.5, minArea: 0.003, persistSamples: 2, maxChangedShare: 0.25, backgroundSeconds: 10, zones: [], masks: [],
};

/** Deterministic noise in -amp..amp (an integer hash of pixel and sample). */
const hash = (a: number) => {
  a = Math.imul(a ^ (a >>> 16), 0x45d9f3b);
  a = Math.imul(a ^ (a >>> 16), 0x45d9f3b);
  return ((a ^ (a >>> 16)) >>> 0) / 4294967296;
};
const noise = (i: number, n: number, amp: number) => (hash(i * 7919 + n * 104729 + 1) * 2 - 1) * amp;
const yard = (x: number, y: number) => 90 + 40 * Math.sin(x / 6) + 30 * Math.cos(y / 5) + ((x * 13 + y * 29) % 17);

interface Shot {
  /** Light: the picture's value v becomes light(v). */
  light?: (v: number, x: number, y: number) => number;
  /** A light-coated "person" whose left edge is at x (6×12 pixels, rows 40..51). */
  person?: number;
  /** A person-sized object that does not count: [x, y, w, h, value]. */
  patch?: [number, number, number, number, number];
}

function picture(n: number, shot: Shot = {}): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = yard(x, y);
      if (shot.person !== undefined && x >= shot.person && x < shot.person + 6 && y >= 40 && y < 52) v = 215 + ((x + y) % 3) * 5;
      const p = shot.patch;
      if (p && x >= p[0] && x < p[0] + p[2] && y >= p[1] && y < p[1] + p[3]) v = p[4];
      if (shot.light) v = shot.light(v, x, y);
      out[y * W + x] = Math.max(0, Math.min(255, Math.round(v + noise(y * W + x, n, 2))));
    }
  }
  return out;
}

/** Runs `shots` at 4 samples a second (after 8 s of the plain yard to learn it); returns the states. */
function run(shots: Shot[], settings: Partial<MotionSettings> = {}) {
  const d = new MotionDetector({ ...SETTINGS, ...settings });
  for (let n = 0; n < 32; n++) d.sample(picture(n), n * 250);
  return shots.map((shot, i) => d.sample(picture(32 + i, shot), (32 + i) * 250));
}
const states = (shots: Shot[], settings: Partial<MotionSettings> = {}): MotionState[] => run(shots, settings).map((s) => s.state);
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('pixelThreshold', () => {
  it.each([[0, 50], [0.5, 30], [1, 10]])('sensitivity %f → %i grey levels', (s, want) => {
    expect(pixelThreshold(s)).toBe(want);
  });
});

describe('MotionDetector', () => {
  it(`learns for ${WARMUP_SECONDS} s, then sees a still yard as still`, () => {
    const d = new MotionDetector(SETTINGS);
    const got = times(28, (n) => d.sample(picture(n), n * 250).state);
    expect(got).toEqual([...times(WARMUP_SECONDS * 4, () => 'learning'), ...times(28 - WARMUP_SECONDS * 4, () => 'still')]);
  });

  it(`from keyframes only (one every 2 s), learns from ${WARMUP_SAMPLES} pictures, not ${WARMUP_SECONDS} s: a noisy corner is not motion`, () => {
    const snow = (n: number): Shot => ({ light: (v, x, y) => (x > 100 && y > 50 ? v + noise(x * 31 + y, n, 60) : v) });
    const d = new MotionDetector(SETTINGS);
    const got = times(30, (n) => d.sample(picture(n, snow(n)), n * 2000).state);
    expect(got.slice(0, WARMUP_SAMPLES)).toEqual(times(WARMUP_SAMPLES, () => 'learning'));
    expect(got.slice(WARMUP_SAMPLES)).not.toContain('motion');
    expect(got.slice(WARMUP_SAMPLES)).not.toContain('learning');
  });

  it('learns which pixels are restless while warming up: a noisy corner is not motion', () => {
    const snow = (n: number): Shot => ({ light: (v, x, y) => (x > 100 && y > 50 ? v + noise(x * 31 + y, n, 60) : v) });
    const d = new MotionDetector(SETTINGS);
    const got = times(40, (n) => d.sample(picture(n, snow(n)), n * 250).state);
    expect(got.slice(WARMUP_SECONDS * 4)).not.toContain('motion');
  });

  it('reports a person walking in once the blob has persisted over persistSamples, dated from its first sighting', () => {
    const r = run(times(6, (i) => ({ person: 20 + 3 * i })));
    expect(r.map((s) => s.state)).toEqual(['still', 'motion', 'motion', 'motion', 'motion', 'motion']);
    expect(r[1]!.sinceMs).toBe(32 * 250);
    expect(r[1]!.tracks[0]).toMatchObject({ hits: 2, x0: 23, x1: 28 });
  });

  it.each([
    ['persistSamples 1: at once', 1, ['motion', 'motion', 'motion']],
    ['persistSamples 3: one sample later', 3, ['still', 'still', 'motion']],
  ] as const)('%s', (_name, persistSamples, want) => {
    expect(states(times(3, (i) => ({ person: 20 + 3 * i })), { persistSamples })).toEqual(want);
  });

  it('ignores something seen in one sample only (a bird, a compression glitch)', () => {
    expect(states([{ person: 30 }, {}, {}, { person: 90 }, {}])).toEqual(['still', 'still', 'still', 'still', 'still']);
  });

  it.each([
    ['the sun comes out', (v: number) => v * 1.35 + 25],
    ['a cloud passes', (v: number) => v * 0.55],
    ['auto-exposure overshoots', (v: number) => v * 1.1 + 30],
  ])('%s (a global light change at once) is not motion', (_name, light) => {
    expect(states(times(8, () => ({ light })))).toEqual(times(8, () => 'still'));
  });

  it('a slow ramp of light over a minute is not motion', () => {
    expect(states(times(240, (i) => ({ light: (v: number) => v * (1 - i / 400) + i / 8 })))).not.toContain('motion');
  });

  it('an IR switch (a different picture of the same yard) is a global change: the background restarts, no motion', () => {
    const ir = (v: number, x: number, y: number) => 255 - v * 0.8 + ((x * y) % 7);
    const r = states(times(6, () => ({ light: ir })));
    expect(r[0]).toBe('global');
    expect(r.slice(1)).toEqual(times(5, () => 'still'));
  });

  it('…and a person who comes in after the switch is seen', () => {
    const ir = (v: number, x: number, y: number) => 255 - v * 0.8 + ((x * y) % 7);
    expect(states([...times(4, () => ({ light: ir })), ...times(3, (i) => ({ light: ir, person: 40 + 3 * i }))])).toEqual([
      'global', 'still', 'still', 'still', 'still', 'motion', 'motion',
    ]);
  });

  it('a change over more than maxChangedShare of the watched area is global; a lower setting rejects a smaller one', () => {
    const half: Shot = { patch: [0, 0, 64, 72, 250] };
    expect(states([half, half])[0]).toBe('global');
    const large: Shot = { patch: [0, 0, 18, 72, 250] }; // 14 % of the picture: a person close to the camera
    expect(states([large, large])).toEqual(['still', 'motion']);
    expect(states([large, large], { maxChangedShare: 0.1 })[0]).toBe('global');
  });

  it.each([
    ['smaller than minArea (2×3 = 0.07 %)', { patch: [60, 30, 2, 3, 10] } as Shot, {}, 'still'],
    ['as large as a person with minArea 1 % → too small', { person: 50 }, { minArea: 0.01 }, 'still'],
    ['inside a mask', { person: 50 }, { masks: [[[0.3, 0.4], [0.6, 0.4], [0.6, 0.9], [0.3, 0.9]]] }, 'still'],
    ['outside every zone', { person: 50 }, { zones: [[[0, 0], [0.3, 0], [0.3, 1], [0, 1]]] }, 'still'],
    ['inside a zone', { person: 50 }, { zones: [[[0.3, 0.4], [0.6, 0.4], [0.6, 0.9], [0.3, 0.9]]] }, 'motion'],
  ] as [string, Shot, Partial<MotionSettings>, MotionState][])('an object %s → %s', (_name, shot, settings, want) => {
    expect(states([shot, shot, shot], settings)[2]).toBe(want);
  });

  it('sensitivity decides whether a faint change counts', () => {
    const faint = (i: number): Shot => ({ light: (v, x, y) => (x >= 50 + i && x < 56 + i && y >= 40 && y < 52 ? v + 20 : v) });
    expect(states(times(3, faint), { sensitivity: 0.2 })[2]).toBe('still'); // threshold 42
    expect(states(times(3, faint), { sensitivity: 0.8 })[2]).toBe('motion'); // threshold 18
  });

  it('something that stays still for backgroundSeconds becomes background (a parked car)', () => {
    const parked = times(60, () => ({ person: 50 }));
    const r = states(parked, { backgroundSeconds: 5 });
    expect(r.slice(1, 18)).toEqual(times(17, () => 'motion'));
    expect(r.slice(-10)).toEqual(times(10, () => 'still'));
  });

  it('rejects a picture of the wrong size', () => {
    expect(() => new MotionDetector(SETTINGS).sample(new Uint8Array(10), 0)).toThrow(/expected 9216 bytes/);
  });
});
