/**
 * Zones and masks: polygons in relative coordinates ([x, y], 0..1 from the top-left corner, fractions of the
 * picture's width and height, so they survive any resolution), turned into the per-pixel mask the motion detector
 * works on. Pure.
 */
export type Point = readonly [number, number];
export type Polygon = readonly Point[];

/** Even-odd rule: whether (x, y) is inside `polygon` (points on an edge may fall either way). */
export function insidePolygon(x: number, y: number, polygon: Polygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * The pixels of a width×height picture that count (1) or not (0): a pixel counts when its centre lies in one of the
 * `zones` (no zone = the whole picture) and in none of the `masks`.
 */
export function regionMask(width: number, height: number, zones: readonly Polygon[], masks: readonly Polygon[]): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const ry = (y + 0.5) / height;
    for (let x = 0; x < width; x++) {
      const rx = (x + 0.5) / width;
      const zoned = zones.length === 0 || zones.some((p) => insidePolygon(rx, ry, p));
      out[y * width + x] = zoned && !masks.some((p) => insidePolygon(rx, ry, p)) ? 1 : 0;
    }
  }
  return out;
}
