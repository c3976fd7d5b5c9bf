import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { drawBox, encodeSnapshot, snapshotSize } from '../../src/lib/live/snapshot.js';

/** Decodes a JPEG with the real ffmpeg into raw RGB at its own size. */
function decode(jpeg: Buffer, width: number, height: number): Buffer {
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { input: jpeg, maxBuffer: 64 << 20 });
  expect(raw.length).toBe(width * height * 3);
  return raw;
}

describe('the live alert snapshot', () => {
  it.each([
    ['the camera size', { width: 640, height: 480 }, { width: 640, height: 480 }],
    ['wide, capped at 1280', { width: 2560, height: 1440 }, { width: 1280, height: 720 }],
    ['odd sizes made even', { width: 703, height: 575 }, { width: 702, height: 574 }],
    ['unknown: 640 wide at 16:9', null, { width: 640, height: 360 }],
  ] as const)('size: %s', (_n, camera, expected) => {
    expect(snapshotSize(camera)).toEqual(expected);
  });

  it('draws a box outline inside its bounds and clips one that leaves the picture', () => {
    const w = 20;
    const h = 10;
    const rgb = Buffer.alloc(w * h * 3);
    drawBox(rgb, w, h, { x: 0.5, y: 0.2, width: 0.8, height: 0.5 }, 1);
    const red = (x: number, y: number) => rgb[(y * w + x) * 3] === 255 && rgb[(y * w + x) * 3 + 1] === 0;
    expect(red(10, 2)).toBe(true); // top-left corner
    expect(red(19, 6)).toBe(true); // right edge, clipped to the last column
    expect(red(15, 6)).toBe(true); // bottom edge (y 2 + 5 - 1)
    expect(red(15, 4)).toBe(false); // inside
    expect(red(9, 2)).toBe(false); // left of it
    expect(red(15, 7)).toBe(false); // below it
  });

  it('scales the detector picture back to the camera aspect and draws the boxes, one JPEG (real decode)', async () => {
    const grey = Buffer.alloc(512 * 512 * 3, 100);
    const jpeg = await encodeSnapshot({ data: grey, width: 512, height: 512 }, { width: 768, height: 576 }, [{ x: 0.25, y: 0.25, width: 0.5, height: 0.5 }]);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const rgb = decode(jpeg, 768, 576);
    const at = (x: number, y: number) => [...rgb.subarray((y * 768 + x) * 3, (y * 768 + x) * 3 + 3)];
    const [r, g, b] = at(192 + 1, 288); // on the box's left edge (3 px wide)
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
    for (const v of at(384, 288)) expect(Math.abs(v - 100)).toBeLessThan(8); // the middle: the picture, unchanged
  });
});
