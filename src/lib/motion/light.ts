/**
 * Brightness normalisation. The sun, a cloud, the camera's auto-exposure and its IR switch change the whole picture
 * at once: every pixel's brightness goes through the same curve (brighter, darker, more or less contrast, clipped
 * highlights, a different gamma). Matching the quantiles of each new picture to those of the background model
 * undoes any such curve before pixels are compared. Pure.
 */

/** The quantiles matched: enough to follow a curve (gamma, clipping), few enough that one object barely moves them. */
export const KNOTS = [0.02, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.98];

/** Below this spread of its quantiles (grey levels) a picture is flat (lens covered, fog): only its level is matched. */
export const FLAT = 4;

/** The `qs` quantiles of the pixels where `mask` is 1 (values rounded to whole grey levels); null when none is. */
export function quantiles(pixels: ArrayLike<number>, mask: Uint8Array, qs: readonly number[] = KNOTS): number[] | null {
  const histogram = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < pixels.length; i++) {
    if (mask[i] === 0) continue;
    histogram[level(pixels[i]!)]!++;
    n++;
  }
  return fromHistogram(histogram, n, qs);
}

const level = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0);

function fromHistogram(histogram: Uint32Array, n: number, qs: readonly number[] = KNOTS): number[] | null {
  if (n === 0) return null;
  const out: number[] = [];
  let v = 0;
  let seen = histogram[0]!;
  for (const q of qs) {
    while (seen < q * n && v < 255) seen += histogram[++v]!;
    out.push(v);
  }
  return out;
}

/**
 * A 256-entry table taking grey levels of a picture whose quantiles are `own` to a picture whose quantiles are
 * `target`: piecewise linear through the matched quantiles, extended beyond the ends with the overall slope. Quantiles
 * that coincide (clipped highlights: the top ones are all 255) keep the one nearest the median, where the clipping
 * begins. A flat picture is only shifted.
 */
export function brightnessTable(own: readonly number[], target: readonly number[]): Float32Array {
  const middle = (own.length - 1) / 2;
  const xs: number[] = [];
  const ys: number[] = [];
  const ks: number[] = [];
  for (let k = 0; k < own.length; k++) {
    const last = xs.length - 1;
    if (last >= 0 && own[k] === xs[last]) {
      if (Math.abs(k - middle) < Math.abs(ks[last]! - middle)) (ys[last] = target[k]!), (ks[last] = k);
    } else {
      xs.push(own[k]!);
      ys.push(target[k]!);
      ks.push(k);
    }
  }
  const table = new Float32Array(256);
  const n = xs.length;
  const span = xs[n - 1]! - xs[0]!;
  if (span < FLAT) {
    const shift = ys.reduce((a, y) => a + y, 0) / n - xs.reduce((a, x) => a + x, 0) / n;
    for (let v = 0; v < 256; v++) table[v] = v + shift;
    return table;
  }
  const slope = (ys[n - 1]! - ys[0]!) / span;
  let k = 0;
  for (let v = 0; v < 256; v++) {
    if (v <= xs[0]!) table[v] = ys[0]! + (v - xs[0]!) * slope;
    else if (v >= xs[n - 1]!) table[v] = ys[n - 1]! + (v - xs[n - 1]!) * slope;
    else {
      while (v > xs[k + 1]!) k++;
      table[v] = ys[k]! + ((v - xs[k]!) * (ys[k + 1]! - ys[k]!)) / (xs[k + 1]! - xs[k]!);
    }
  }
  return table;
}

function apply(frame: Uint8Array, table: Float32Array): Float32Array {
  const out = new Float32Array(frame.length);
  for (let i = 0; i < frame.length; i++) out[i] = table[frame[i]!]!;
  return out;
}

/** How many times the match is refined on the pixels that did not depart (each time with half the tolerance). */
export const REFINE = 3;

/**
 * `frame` with its brightness matched to `background` over `mask`, robustly: a match on all pixels shows which ones
 * depart from the background by more than `outlier` grey levels (a person, a car); the match is made again on the
 * others only (REFINE times, halving the tolerance), so an object does not bend the curve for the rest of the picture.
 */
export function matchBrightness(frame: Uint8Array, background: Float32Array, mask: Uint8Array, outlier: number): Float32Array {
  const own = quantiles(frame, mask);
  const target = quantiles(background, mask);
  if (!own || !target) return Float32Array.from(frame);
  let table = brightnessTable(own, target);
  let watched = 0;
  for (let i = 0; i < mask.length; i++) watched += mask[i]!;
  const ownHistogram = new Uint32Array(256);
  const targetHistogram = new Uint32Array(256);
  for (let round = 0, limit = outlier; round < REFINE; round++, limit /= 2) {
    ownHistogram.fill(0);
    targetHistogram.fill(0);
    let n = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0) continue;
      const v = frame[i]!;
      const b = background[i]!;
      if (Math.abs(table[v]! - b) > limit) continue;
      ownHistogram[v]!++;
      targetHistogram[level(b)]!++;
      n++;
    }
    // When most of the picture departs, this is no object: keep the match (the caller will call it global).
    if (n < watched / 2) break;
    table = brightnessTable(fromHistogram(ownHistogram, n)!, fromHistogram(targetHistogram, n)!);
  }
  return apply(frame, table);
}
