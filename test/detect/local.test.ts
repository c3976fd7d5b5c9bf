import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDetector, LOCAL_INPUT } from '../../src/lib/detect/local.js';
import { extractFrames } from '../../src/lib/ffmpeg/frames.js';
import type { Detector } from '../../src/lib/detect/types.js';
import { makeEmptyScene, makeTestPattern, vtestPath } from '../helpers/footage.js';

let dir: string;
let detector: Detector;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cctv-local-'));
  detector = await createLocalDetector({ minConfidence: 0.5 });
});
afterAll(async () => {
  await detector.close();
  await rm(dir, { recursive: true, force: true });
});

async function namesIn(source: string, times: number[]): Promise<string[][]> {
  const frames = await extractFrames(source, times, LOCAL_INPUT);
  expect(frames).toHaveLength(times.length);
  return Promise.all(frames.map(async (f) => (await detector.detect(f)).map((d) => d.name)));
}

describe('local detector (human CenterNet on wasm, offline)', () => {
  it('finds people in the real pedestrian footage, with normalised boxes', async () => {
    const source = await vtestPath();
    const frames = await extractFrames(source, [10], LOCAL_INPUT);
    const detections = await detector.detect(frames[0]!);
    const people = detections.filter((d) => d.name === 'person');
    expect(people.length).toBeGreaterThanOrEqual(2);
    for (const p of people) {
      expect(p.confidence).toBeGreaterThanOrEqual(0.5);
      expect(p.confidence).toBeLessThanOrEqual(1);
      for (const v of [p.box!.x, p.box!.y, p.box!.width, p.box!.height]) expect(v).toBeGreaterThanOrEqual(0);
      expect(p.box!.x + p.box!.width).toBeLessThanOrEqual(1);
      expect(p.box!.height).toBeGreaterThan(p.box!.width); // standing people are tall
    }
  });

  it('finds nothing in a synthetic test pattern', async () => {
    const names = await namesIn(await makeTestPattern(dir), [1, 3, 5]);
    expect(names.flat()).toEqual([]);
  });

  it('finds nothing in an empty scene', async () => {
    const names = await namesIn(await makeEmptyScene(dir), [1, 3, 5]);
    expect(names.flat()).toEqual([]);
  });

  it('rejects frames that are not what it asked for', async () => {
    await expect(
      detector.detect({ offsetSeconds: 0, format: 'jpeg', width: 10, height: 10, data: Buffer.alloc(3) }),
    ).rejects.toThrow(/512x512 rgb24/);
  });
});
