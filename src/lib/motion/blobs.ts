/**
 * Blobs: connected groups of foreground pixels, and their persistence over consecutive samples. A person is a blob
 * that is there sample after sample, moving a little; compression noise and a single odd frame are not. Pure.
 */
export interface Box {
  x0: number;
  y0: number;
  /** Inclusive. */
  x1: number;
  y1: number;
}

export interface Blob extends Box {
  /** Foreground pixels in it. */
  area: number;
}

export interface Track extends Blob {
  /** Consecutive samples this blob (or one overlapping it in the previous sample) has been seen in. */
  hits: number;
  /** When it was first seen (ms). */
  firstAtMs: number;
  /** Since when its box has not moved (ms): something that stays still long enough becomes background. */
  stillSinceMs: number;
}

/**
 * The blobs of a width×height foreground mask, largest first. Foreground pixels within `reach` of each other (in x
 * and in y) belong to the same blob: 1 is plain 8-connectivity; the default 2 also joins specks one pixel apart (a
 * person's head, body and legs at low resolution). `area` counts foreground pixels only.
 */
export function findBlobs(fg: Uint8Array, width: number, height: number, reach = 2): Blob[] {
  const label = new Int32Array(fg.length).fill(-1);
  const stack: number[] = [];
  const blobs: Blob[] = [];
  for (let start = 0; start < fg.length; start++) {
    if (!fg[start] || label[start] !== -1) continue;
    const id = blobs.length;
    const blob: Blob = { x0: width, y0: height, x1: -1, y1: -1, area: 0 };
    label[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      blob.area++;
      if (x < blob.x0) blob.x0 = x;
      if (x > blob.x1) blob.x1 = x;
      if (y < blob.y0) blob.y0 = y;
      if (y > blob.y1) blob.y1 = y;
      for (let ny = Math.max(0, y - reach); ny <= Math.min(height - 1, y + reach); ny++) {
        for (let nx = Math.max(0, x - reach); nx <= Math.min(width - 1, x + reach); nx++) {
          const q = ny * width + nx;
          if (fg[q] && label[q] === -1) {
            label[q] = id;
            stack.push(q);
          }
        }
      }
    }
    blobs.push(blob);
  }
  return blobs.sort((a, b) => b.area - a.area);
}

/** Whether two boxes overlap once each is grown by `margin` pixels on every side. */
export function near(a: Box, b: Box, margin: number): boolean {
  return a.x0 - margin <= b.x1 + margin && b.x0 - margin <= a.x1 + margin && a.y0 - margin <= b.y1 + margin && b.y0 - margin <= a.y1 + margin;
}

/** Whether two boxes are the same within `slack` pixels on every edge. */
export function sameBox(a: Box, b: Box, slack = 1): boolean {
  return Math.abs(a.x0 - b.x0) <= slack && Math.abs(a.x1 - b.x1) <= slack && Math.abs(a.y0 - b.y0) <= slack && Math.abs(a.y1 - b.y1) <= slack;
}

/**
 * The tracks after a new sample: each blob continues every previous track it is `near` (its hits are one more than
 * the best of them, its first sighting the earliest, and it is still since when that track was, if its box has not
 * moved); a blob near none starts a new track. Tracks with no blob end.
 */
export function trackBlobs(previous: readonly Track[], blobs: readonly Blob[], atMs: number, margin: number): Track[] {
  return blobs.map((b) => {
    const before = previous.filter((t) => near(t, b, margin));
    if (before.length === 0) return { ...b, hits: 1, firstAtMs: atMs, stillSinceMs: atMs };
    const same = before.find((t) => sameBox(t, b));
    return {
      ...b,
      hits: 1 + Math.max(...before.map((t) => t.hits)),
      firstAtMs: Math.min(...before.map((t) => t.firstAtMs)),
      stillSinceMs: same ? same.stillSinceMs : atMs,
    };
  });
}
