import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRekognitionDetector, REKOGNITION_INPUT } from '../../src/lib/detect/rekognition.js';
import type { Detector, Frame } from '../../src/lib/detect/types.js';
import { RuntimeError } from '../../src/lib/errors.js';
import { extractFrames } from '../../src/lib/ffmpeg/frames.js';
import { vtestPath } from '../helpers/footage.js';
import { startRekognitionServer, type RekognitionServer } from '../helpers/rekognition-server.js';

let server: RekognitionServer;
let detector: Detector;
let frame: Frame;

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-test-key');
  server = await startRekognitionServer();
  detector = createRekognitionDetector({
    config: { detector: 'rekognition', region: 'eu-west-2', endpoint: server.endpoint },
    labels: ['person', 'car', 'dog', 'cat'],
    minConfidence: 0.6,
    retry: { attempts: 3, baseDelayMs: 5 },
  });
  [frame] = (await extractFrames(await vtestPath(), [10], REKOGNITION_INPUT)) as [Frame];
});
afterAll(async () => {
  await detector.close();
  await server.close();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  server.requests.length = 0;
  server.fallback = { labels: [] };
});

const person = {
  Name: 'Person',
  Confidence: 98.7,
  Instances: [
    { BoundingBox: { Width: 0.05, Height: 0.14, Left: 0.75, Top: 0.27 }, Confidence: 98.7 },
    { BoundingBox: { Width: 0.04, Height: 0.12, Left: 0.45, Top: 0.35 }, Confidence: 57.2 },
  ],
  Aliases: [{ Name: 'Human' }],
  Categories: [{ Name: 'Person Description' }],
};

describe('rekognition detector (real SDK client, local JSON 1.1 endpoint)', () => {
  it('sends the JPEG frame with MinConfidence and inclusion filters; maps instances to boxes, drops weak ones and unwanted labels', async () => {
    server.enqueue({
      labels: [
        person,
        { Name: 'Sedan', Confidence: 81, Parents: [{ Name: 'Car' }, { Name: 'Vehicle' }, { Name: 'Transportation' }] },
        { Name: 'Tree', Confidence: 99 },
      ],
    });
    const found = await detector.detect(frame);
    expect(found).toEqual([
      { name: 'person', confidence: 0.987, box: { x: 0.75, y: 0.27, width: 0.05, height: 0.14 } },
      { name: 'car', confidence: 0.81 },
    ]);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.target).toBe('RekognitionService.DetectLabels');
    expect(req!.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(req!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-2\/rekognition\//);
    expect(req!.image.equals(frame.data)).toBe(true);
    expect(req!.body.MinConfidence).toBe(60);
    const filters = req!.body.Settings?.GeneralLabels?.LabelInclusionFilters ?? [];
    expect(filters).toEqual(expect.arrayContaining(['Person', 'Car', 'Dog', 'Cat', 'Sedan']));
    expect(filters).not.toContain('Truck');
  });

  it('keeps a label without instances as a box-less detection, named by its most specific parent', async () => {
    server.enqueue({ labels: [{ Name: 'Puppy', Confidence: 77, Parents: [{ Name: 'Dog' }, { Name: 'Animal' }] }] });
    expect(await detector.detect(frame)).toEqual([{ name: 'dog', confidence: 0.77 }]);
  });

  it('retries throttling (400 ProvisionedThroughputExceeded, 500 Throttling) and then succeeds', async () => {
    server.enqueue(
      { error: 'ProvisionedThroughputExceededException' },
      { error: 'ThrottlingException' },
      { labels: [person] },
    );
    const found = await detector.detect(frame);
    expect(found.map((d) => d.name)).toEqual(['person']);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after the configured attempts when throttling persists', async () => {
    server.fallback = { error: 'ProvisionedThroughputExceededException' };
    await expect(detector.detect(frame)).rejects.toThrow(/after 3 attempt\(s\): ProvisionedThroughputExceededException/);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a non-retryable error', async () => {
    server.enqueue({ error: 'AccessDeniedException', message: 'User is not authorized' });
    const err = await detector.detect(frame).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(String(err)).toMatch(/after 1 attempt\(s\): AccessDeniedException/);
    expect(server.requests).toHaveLength(1);
  });

  it('bytes that are not a JPEG are refused by the service, not retried', async () => {
    const bogus: Frame = { ...frame, data: Buffer.from('not a jpeg at all') };
    await expect(detector.detect(bogus)).rejects.toThrow(/InvalidImageFormatException/);
    expect(server.requests).toHaveLength(1);
  });
});
