// Types only here: the SDK itself is loaded on the first detection, so commands that never use Rekognition (all of
// them load this file for its config schema) do not pay for loading it.
import type { Label as RekLabel, RekognitionClient } from '@aws-sdk/client-rekognition';
import { z } from 'zod';
import { RuntimeError, errorMessage } from '../errors.js';
import { log } from '../log.js';
import { backoffMs, fullJitter, sleep } from '../wait.js';
import { fromRekognition, rekognitionNamesFor } from './labels.js';
import type { Detection, Detector, FrameRequest } from './types.js';

/**
 * Amazon Rekognition image DetectLabels on sampled JPEG frames ($0.001 an image, synchronous).
 * The request narrows the answer server-side: `MinConfidence` from detect.minConfidence and
 * `Settings.GeneralLabels.LabelInclusionFilters` from detect.labels (mapped to Rekognition names).
 * Throttling is retried with exponential backoff; anything else fails the call.
 */
export const rekognitionDetectorSchema = z.strictObject({
  detector: z.literal('rekognition').describe('Amazon Rekognition DetectLabels on sampled frames (paid per image)'),
  region: z.string().min(1).optional().describe('AWS region; default from the AWS environment (AWS_REGION, profile)'),
  endpoint: z.url().optional().describe('endpoint override (VPC endpoint or a test server)'),
});
export type RekognitionDetectorConfig = z.infer<typeof rekognitionDetectorSchema>;

/** 1280 px wide JPEGs at q3 stay far below the 5 MB image limit and keep small people recognisable. */
export const REKOGNITION_INPUT: FrameRequest = { format: 'jpeg', width: 1280 };
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'LimitExceededException']);

/** True for Rekognition's errors worth another try: throttling, and server-side failures (5xx). */
function isThrottlingOrServerError(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLING.has(e.name ?? '') || (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

export interface RetryPolicy {
  /** Total tries, including the first. */
  attempts: number;
  /** Delay before the 2nd try; doubled each time, with full jitter (wait.ts). */
  baseDelayMs: number;
}

/** Rekognition label(s) → vocabulary detections: one per instance with a box, else one for the label. */
export function toDetections(labels: readonly RekLabel[], minConfidence: number): Detection[] {
  return labels.flatMap((label) => {
    const name = fromRekognition(label.Name ?? '', (label.Parents ?? []).map((p) => p.Name ?? ''));
    if (!name) return [];
    const instances = (label.Instances ?? []).filter((i) => i.BoundingBox);
    const found: Detection[] =
      instances.length > 0
        ? instances.map((i) => ({
            name,
            confidence: (i.Confidence ?? label.Confidence ?? 0) / 100,
            box: {
              x: i.BoundingBox!.Left ?? 0,
              y: i.BoundingBox!.Top ?? 0,
              width: i.BoundingBox!.Width ?? 0,
              height: i.BoundingBox!.Height ?? 0,
            },
          }))
        : [{ name, confidence: (label.Confidence ?? 0) / 100 }];
    return found.filter((d) => d.confidence >= minConfidence);
  });
}

export interface RekognitionOptions {
  config: RekognitionDetectorConfig;
  /** Vocabulary labels to ask for (detect.labels). */
  labels: readonly string[];
  /** 0..1 (detect.minConfidence); sent as a percentage. */
  minConfidence: number;
  retry?: RetryPolicy;
  /** A ready client (tests, shared clients); by default one is built from `config`. */
  client?: RekognitionClient;
}

export function createRekognitionDetector(options: RekognitionOptions): Detector {
  const { config, labels, minConfidence } = options;
  const retry = options.retry ?? { attempts: 5, baseDelayMs: 250 };
  // The SDK's own retries are off: this detector's policy is the one that applies (and is tested).
  let client: RekognitionClient | undefined = options.client;
  const sdk = () => import('@aws-sdk/client-rekognition');
  const filters = rekognitionNamesFor(labels);
  return {
    name: 'rekognition',
    input: REKOGNITION_INPUT,
    async detect(frame) {
      if (frame.format !== 'jpeg') throw new RuntimeError('rekognition detector needs JPEG frames');
      if (frame.data.length > MAX_IMAGE_BYTES) {
        throw new RuntimeError(`frame at ${frame.offsetSeconds}s is ${frame.data.length} bytes, over Rekognition's 5 MB`);
      }
      const { DetectLabelsCommand, RekognitionClient } = await sdk();
      client ??= new RekognitionClient({
        maxAttempts: 1,
        ...(config.region ? { region: config.region } : {}),
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      });
      const command = new DetectLabelsCommand({
        Image: { Bytes: frame.data },
        MinConfidence: Math.round(minConfidence * 1000) / 10,
        Features: ['GENERAL_LABELS'],
        ...(filters.length > 0 ? { Settings: { GeneralLabels: { LabelInclusionFilters: filters } } } : {}),
      });
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await client.send(command);
          return toDetections(out.Labels ?? [], minConfidence);
        } catch (err) {
          const name = (err as { name?: string }).name ?? 'Error';
          if (attempt >= retry.attempts || !isThrottlingOrServerError(err)) {
            throw new RuntimeError(`rekognition DetectLabels failed after ${attempt} attempt(s): ${name}: ${errorMessage(err)}`);
          }
          const delay = fullJitter(backoffMs(attempt, { baseMs: retry.baseDelayMs, maxMs: Number.POSITIVE_INFINITY }));
          log.warn({ attempt, delayMs: Math.round(delay), error: name }, 'rekognition throttled, retrying');
          await sleep(delay);
        }
      }
    },
    async close() {
      if (!options.client) client?.destroy();
    },
  };
}
