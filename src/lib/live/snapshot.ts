import type { Sharp, SharpOptions } from 'sharp';
import type { Box } from '../detect/types.js';

let sharpModule: Promise<(input: Buffer, options: SharpOptions) => Sharp> | null = null;

/**
 * Loads sharp (~130 ms: libvips), once. Live analysis calls it when it starts, so the first alert does not wait for it
 * and no other command pays it.
 */
export function loadSnapshotEncoder(): Promise<(input: Buffer, options: SharpOptions) => Sharp> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}

/**
 * The live alert's snapshot, made in this process (sharp, libvips): the detector's raw RGB picture scaled back to the
 * camera's aspect, the boxes drawn, one JPEG. A spawned ffmpeg took 0.17-0.22 s of the alert's time (mostly its start);
 * this takes ~10 ms, off the event loop (libvips' own threads).
 */
export async function encodeSnapshot(
  picture: { data: Buffer; width: number; height: number },
  cameraSize: { width: number; height: number } | null,
  boxes: readonly Box[],
): Promise<Buffer> {
  const sharp = await loadSnapshotEncoder();
  const out = snapshotSize(cameraSize);
  const scaled = await sharp(picture.data, { raw: { width: picture.width, height: picture.height, channels: 3 } })
    .resize(out.width, out.height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  for (const box of boxes) drawBox(scaled, out.width, out.height, box);
  return sharp(scaled, { raw: { width: out.width, height: out.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

/** Pure: the snapshot's size: the camera's aspect, at most `maxWidth` wide (even numbers). */
export function snapshotSize(camera: { width: number; height: number } | null, maxWidth = 1280): { width: number; height: number } {
  const src = camera ?? { width: 16, height: 9 };
  const width = Math.min(maxWidth, camera?.width ?? 640) & ~1;
  return { width, height: Math.max(2, Math.round((src.height * width) / src.width / 2) * 2) };
}

/** Draws a normalised box's outline (red, `thickness` pixels inside it) into an RGB picture, clipped to the picture. */
export function drawBox(rgb: Buffer, width: number, height: number, box: Box, thickness = 3): void {
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, Math.round(v)));
  const x0 = clamp(box.x * width, width - 1);
  const y0 = clamp(box.y * height, height - 1);
  const x1 = clamp((box.x + box.width) * width, width) - 1;
  const y1 = clamp((box.y + box.height) * height, height) - 1;
  if (x1 < x0 || y1 < y0) return;
  const paint = (xa: number, ya: number, xb: number, yb: number) => {
    for (let y = Math.max(ya, y0); y <= Math.min(yb, y1); y++) {
      for (let x = Math.max(xa, x0); x <= Math.min(xb, x1); x++) {
        const at = (y * width + x) * 3;
        rgb[at] = 255;
        rgb[at + 1] = 0;
        rgb[at + 2] = 0;
      }
    }
  };
  const t = thickness - 1;
  paint(x0, y0, x1, y0 + t); // top
  paint(x0, y1 - t, x1, y1); // bottom
  paint(x0, y0, x0 + t, y1); // left
  paint(x1 - t, y0, x1, y1); // right
}
