import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { examineClip, choosePosterOffset } from '../../src/lib/detect/examine.js';
import { createDetector, detectConfigSchema, type Detector } from '../../src/lib/detect/index.js';
import { planFrames } from '../../src/lib/detect/sampling.js';
import { makeTestPattern, vtestPath } from '../helpers/footage.js';
import { startRekognitionServer, type RekognitionServer } from '../helpers/rekognition-server.js';

let dir: string;
let vtest: string;
let local: Detector;
const defaults = detectConfigSchema.parse(undefined);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cctv-analyze-'));
  vtest = await vtestPath();
  local = await createDetector(defaults);
});
afterAll(async () => {
  await local.close();
  await rm(dir, { recursive: true, force: true });
});

describe('detect config', () => {
  it('defaults to the local detector with the contract defaults', () => {
    expect(defaults).toEqual({ detector: 'local', labels: ['person', 'car', 'dog', 'cat'], minConfidence: 0.6, maxFramesPerEvent: 5 });
  });
  it('accepts rekognition with region and endpoint', () => {
    expect(detectConfigSchema.parse({ detector: 'rekognition', region: 'eu-west-2', labels: ['person', 'vehicle'] })).toEqual({
      detector: 'rekognition', region: 'eu-west-2', labels: ['person', 'vehicle'], minConfidence: 0.6, maxFramesPerEvent: 5,
    });
  });
  it.each([
    [{ detector: 'yolo' }],
    [{ detector: 'local', region: 'eu-west-2' }],
    [{ labels: ['person', 'unicorn'] }],
    [{ minConfidence: 60 }],
    [{ maxFramesPerEvent: 0 }],
    [{ maxFramesPerEvnt: 3 }],
  ])('rejects %j', (bad) => {
    expect(detectConfigSchema.safeParse(bad).success).toBe(false);
  });
});

describe('examineClip with the local detector', () => {
  it('tags the pedestrian footage person after one frame (early stop) and writes a poster with boxes', async () => {
    const posterOut = path.join(dir, 'poster.jpg');
    const result = await examineClip({
      source: vtest, eventStartOffsetSeconds: 5, detector: local, maxFrames: 5,
      minConfidence: 0.6, labels: defaults.labels, alertOn: ['person'], posterOut,
    });
    expect(result.frames).toBe(1);
    expect(result.labels.map((l) => l.name)).toContain('person');
    const person = result.labels.find((l) => l.name === 'person')!;
    expect(person.offsetSeconds).toBe(6);
    expect(person.confidence).toBeGreaterThanOrEqual(0.6);
    expect(person.box).toBeDefined();
    expect(result.poster).toBe(posterOut);
    expect((await readFile(posterOut)).subarray(0, 2).toString('hex')).toBe('ffd8');
  });

  it('examines every planned frame when no alert label can settle it', async () => {
    const result = await examineClip({
      source: vtest, detector: local, maxFrames: 3, minConfidence: 0.6, labels: ['person'], alertOn: [],
    });
    expect(result.frames).toBe(3);
    expect(result.labels.map((l) => l.name)).toEqual(['person']);
    expect(result.poster).toBeUndefined();
  });

  it('finds nothing in a test pattern: no labels, no poster', async () => {
    const source = await makeTestPattern(dir, 8);
    const posterOut = path.join(dir, 'none.jpg');
    const result = await examineClip({
      source, detector: local, maxFrames: 5, minConfidence: 0.6, labels: defaults.labels, alertOn: ['person'], posterOut,
    });
    expect(result).toEqual({ frames: planFrames({ durationSeconds: 8, maxFrames: 5 }).length, labels: [] });
  });
});

describe('examineClip with rekognition', () => {
  let server: RekognitionServer;
  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-test-key');
    server = await startRekognitionServer();
  });
  afterAll(async () => {
    await server.close();
    vi.unstubAllEnvs();
  });

  it('pays for frames only until the person shows up; the poster is that frame', async () => {
    const detector = await createDetector(
      detectConfigSchema.parse({ detector: 'rekognition', region: 'eu-west-2', endpoint: server.endpoint }),
    );
    const box = { Width: 0.1, Height: 0.3, Left: 0.4, Top: 0.3 };
    server.enqueue(
      { labels: [{ Name: 'Tree', Confidence: 99 }] },
      { labels: [{ Name: 'Person', Confidence: 91, Instances: [{ BoundingBox: box, Confidence: 91 }] }, { Name: 'Car', Confidence: 70 }] },
    );
    const posterOut = path.join(dir, 'rek.jpg');
    const result = await examineClip({
      source: vtest, durationSeconds: 20, eventStartOffsetSeconds: 5, detector, maxFrames: 5,
      minConfidence: 0.6, labels: ['person', 'car'], alertOn: ['person'], posterOut,
    });
    await detector.close();
    const plan = planFrames({ durationSeconds: 20, eventStartOffsetSeconds: 5, maxFrames: 5 });
    expect(server.requests).toHaveLength(2);
    expect(result.frames).toBe(2);
    expect(result.labels).toEqual([
      { name: 'person', confidence: 0.91, offsetSeconds: plan[1], box: { x: 0.4, y: 0.3, width: 0.1, height: 0.3 } },
      { name: 'car', confidence: 0.7, offsetSeconds: plan[1] },
    ]);
    expect(choosePosterOffset(result.labels)).toBe(plan[1]);
    expect(result.poster).toBe(posterOut);
  });
});
