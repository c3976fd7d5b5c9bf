import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSource, drawPoster, extractFrames, outputSize, probeVideo } from '../../src/lib/ffmpeg/frames.js';
import { makeTestPattern } from '../helpers/footage.js';

const exec = promisify(execFile);
let dir: string;
let clip: string;
let server: Server;
let url: string;

/** A static file server with byte ranges, like S3 behind a presigned URL. */
function serve(file: string): Promise<Server> {
  const s = createServer(async (req, res) => {
    const size = (await stat(file)).size;
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Number(m[2]) : size - 1;
    res.writeHead(m ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-type': 'video/mp4',
      'content-length': end - start + 1,
      ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    createReadStream(file, { start, end }).pipe(res);
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cctv-frames-'));
  clip = await makeTestPattern(dir, 6);
  server = await serve(clip);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pattern.mp4?X-Amz-Signature=deadbeef`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('frame sizes and sources (pure)', () => {
  it.each([
    [{ width: 768, height: 576 }, { format: 'rgb24', width: 512, height: 512 }, { width: 512, height: 512 }],
    [{ width: 1920, height: 1080 }, { format: 'jpeg', width: 1280 }, { width: 1280, height: 720 }],
    [{ width: 768, height: 576 }, { format: 'jpeg', width: 1280 }, { width: 768, height: 576 }],
    [{ width: 641, height: 479 }, { format: 'jpeg', width: 1280 }, { width: 640, height: 478 }],
  ] as const)('outputSize(%j, %j) = %j', (source, request, size) => {
    expect(outputSize(source, request)).toEqual(size);
  });

  it('never shows a signed query string', () => {
    expect(describeSource('https://b.s3.amazonaws.com/k.mp4?X-Amz-Signature=abc')).toBe('https://b.s3.amazonaws.com/k.mp4?…');
  });
});

describe('frame extraction (real ffmpeg)', () => {
  it('probes duration and size', async () => {
    const info = await probeVideo(clip);
    expect(info.width).toBe(768);
    expect(info.height).toBe(576);
    expect(info.durationSeconds).toBeCloseTo(6, 1);
  });

  it('returns the frames at the planned times, in plan order, one process', async () => {
    const frames = await extractFrames(clip, [4.5, 0.5, 2.5], { format: 'rgb24', width: 64, height: 48 });
    expect(frames.map((f) => f.offsetSeconds)).toEqual([4.5, 0.5, 2.5]);
    for (const f of frames) expect(f.data.length).toBe(64 * 48 * 3);
    // testsrc2 moves: frames at different times differ
    expect(frames[0]!.data.equals(frames[1]!.data)).toBe(false);
    const again = await extractFrames(clip, [0.5], { format: 'rgb24', width: 64, height: 48 });
    expect(again[0]!.data.equals(frames[1]!.data)).toBe(true);
  });

  it('leaves out times past the end', async () => {
    const frames = await extractFrames(clip, [1, 30], { format: 'rgb24', width: 32, height: 32 });
    expect(frames.map((f) => f.offsetSeconds)).toEqual([1]);
  });

  it('reads http(s) sources with range requests, as JPEG', async () => {
    const frames = await extractFrames(url, [1, 3], { format: 'jpeg', width: 320 });
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      expect([f.width, f.height]).toEqual([320, 240]);
      expect(f.data.subarray(0, 2).toString('hex')).toBe('ffd8');
    }
  });

  it('reports a missing source without leaking the signature', async () => {
    const bad = url.replace('pattern.mp4', 'nope.mp4').replace(/:\d+\//, ':1/');
    await expect(probeVideo(bad)).rejects.toThrow(/ffprobe failed/);
    await expect(probeVideo(bad)).rejects.not.toThrow(/deadbeef/);
  });

  it('draws a poster with boxes', async () => {
    const plain = path.join(dir, 'plain.jpg');
    const boxed = path.join(dir, 'boxed.jpg');
    await drawPoster(clip, 2, [], plain);
    await drawPoster(url, 2, [{ x: 0.25, y: 0.25, width: 0.5, height: 0.5 }], boxed);
    for (const f of [plain, boxed]) expect((await readFile(f)).subarray(0, 2).toString('hex')).toBe('ffd8');
    // The box's left edge (x = 0.25 of 768, mid-height) is red on the boxed poster only.
    const pixel = async (file: string): Promise<number[]> => {
      const { stdout } = await exec('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 16 << 20 });
      const i = (288 * 768 + 193) * 3;
      return [...stdout.subarray(i, i + 3)];
    };
    const [r, g, b] = await pixel(boxed);
    expect(r).toBeGreaterThan(180);
    expect(g! + b!).toBeLessThan(120);
    expect(await pixel(plain)).not.toEqual([r, g, b]);
  });
});
