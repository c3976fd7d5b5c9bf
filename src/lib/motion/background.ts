/**
 * The adaptive background: per pixel, a running mean of the (brightness-normalised) picture and a running mean of
 * how much the pixel usually departs from it (its noise: compression, sensor grain, leaves that always flicker).
 * A pixel is foreground when it departs from the mean by more than the threshold and by more than NOISE_FACTOR
 * times its own noise. Pure: the model is plain arrays, time comes in as the learning rate.
 */
export interface Background {
  mean: Float32Array;
  noise: Float32Array;
}

/** A pixel must depart this many times its usual departure to count (on top of the sensitivity threshold). */
export const NOISE_FACTOR = 3;
/** Foreground pixels learn this much slower: a passer-by does not smear into the background. */
export const FOREGROUND_SLOWDOWN = 8;
/** A pixel's noise estimate falls this many times slower than it rises. */
export const NOISE_MEMORY = 6;
/** A pixel that moved by more than this many grey levels counts as changed when judging global changes. */
export const CHANGE_DELTA = 4;

export function seedBackground(pixels: Float32Array): Background {
  return { mean: Float32Array.from(pixels), noise: new Float32Array(pixels.length) };
}

/** The learning rate for `elapsedSeconds` since the last sample: the background forgets with `timeConstantSeconds`. */
export function learningRate(elapsedSeconds: number, timeConstantSeconds: number): number {
  return 1 - Math.exp(-Math.max(0, elapsedSeconds) / timeConstantSeconds);
}

/**
 * Foreground pixels (1) of `pixels` (the brightness-matched `raw` picture) against `bg` within `mask`, and their
 * count; `changed` counts the pixels that moved by more than CHANGE_DELTA (the measure of a global change: an IR
 * switch or a light going on shifts most of the picture a little, a person shifts a small part of it a lot).
 * `threshold` is in grey levels (0..255); both are raised to NOISE_FACTOR times a pixel's usual departure. A pixel
 * clipped to white (255) only says "at least this bright", so it departs only if it is brighter than the background;
 * one clipped to black only if it is darker (overexposure is not motion; a white car on dark asphalt is).
 */
export function foreground(
  pixels: Float32Array,
  raw: Uint8Array,
  bg: Background,
  mask: Uint8Array,
  threshold: number,
): { fg: Uint8Array; count: number; changed: number } {
  const fg = new Uint8Array(pixels.length);
  let count = 0;
  let changed = 0;
  for (let i = 0; i < pixels.length; i++) {
    if (mask[i] === 0) continue;
    let d = pixels[i]! - bg.mean[i]!;
    if (raw[i] === 255) d = Math.max(0, d);
    else if (raw[i] === 0) d = Math.min(0, d);
    d = Math.abs(d);
    const floor = NOISE_FACTOR * bg.noise[i]!;
    if (d > CHANGE_DELTA && d > floor) changed++;
    if (d > threshold && d > floor) {
      fg[i] = 1;
      count++;
    }
  }
  return { fg, count, changed };
}

/**
 * Moves the model towards `pixels` by `rate` (FOREGROUND_SLOWDOWN times slower where `fg` is 1); in place. A pixel's
 * noise rises as fast as it learns but falls NOISE_MEMORY times slower, so leaves that waved a minute ago still
 * count as restless.
 */
export function learn(bg: Background, pixels: Float32Array, fg: Uint8Array, rate: number): void {
  for (let i = 0; i < pixels.length; i++) {
    const r = fg[i] ? rate / FOREGROUND_SLOWDOWN : rate;
    const d = pixels[i]! - bg.mean[i]!;
    bg.mean[i]! += r * d;
    const n = Math.abs(d) - bg.noise[i]!;
    bg.noise[i]! += n > 0 ? r * n : (r / NOISE_MEMORY) * n;
  }
}

/** Takes the pixels of `box` that are foreground into the background as they are now (something that stays). */
export function absorb(bg: Background, pixels: Float32Array, fg: Uint8Array, width: number, box: { x0: number; y0: number; x1: number; y1: number }): void {
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const i = y * width + x;
      if (fg[i]) bg.mean[i] = pixels[i]!;
    }
  }
}
