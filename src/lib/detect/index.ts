import { z } from 'zod';
import { VOCABULARY } from './labels.js';
import { createLocalDetector, localDetectorSchema } from './local.js';
import { createRekognitionDetector, rekognitionDetectorSchema } from './rekognition.js';
import type { Detector } from './types.js';

/**
 * The detector registry: an explicit table, no discovery. Each detector file exports its zod config
 * (discriminated by `detector`) and a factory; the keys every detector shares live here. The config
 * section `detect:` is `detectConfigSchema`; a missing section or key takes its default.
 */
const common = {
  labels: z
    .array(z.enum(VOCABULARY))
    .min(1)
    .default(['person', 'car', 'dog', 'cat'])
    .describe('labels to tag clips with; a category (vehicle, animal) includes its members'),
  minConfidence: z.number().min(0).max(1).default(0.6).describe('detections below this confidence (0..1) are ignored'),
  maxFramesPerEvent: z.number().int().min(1).max(50).default(5).describe('at most this many frames are examined per clip'),
};

const variants = [
  localDetectorSchema.extend(common),
  rekognitionDetectorSchema.extend(common),
] as const;

export const detectConfigSchema = z
  .preprocess(
    (v) => (v !== null && typeof v === 'object' && !('detector' in v) ? { ...v, detector: 'local' } : v),
    z.discriminatedUnion('detector', variants),
  )
  .prefault({})
  .describe('which detector tags clips (local: embedded and offline, the default; rekognition: AWS)');

export type DetectConfig = z.infer<typeof detectConfigSchema>;
export type DetectorName = DetectConfig['detector'];

const factories: { [K in DetectorName]: (config: Extract<DetectConfig, { detector: K }>) => Promise<Detector> } = {
  local: (config) => createLocalDetector({ minConfidence: config.minConfidence }),
  rekognition: async (config) =>
    createRekognitionDetector({ config, labels: config.labels, minConfidence: config.minConfidence }),
};

export const DETECTORS = Object.keys(factories) as DetectorName[];

/** Builds the configured detector. The local model loads here (once per process). */
export function createDetector(config: DetectConfig): Promise<Detector> {
  const create = factories[config.detector] as (c: DetectConfig) => Promise<Detector>;
  return create(config);
}

export type { Box, Detection, Detector, Frame, FrameRequest } from './types.js';
