import { z } from 'zod';
import type { MotionSettings } from './detector.js';
import type { Polygon } from './geometry.js';
import type { MotionInput } from './recording.js';

/**
 * The configuration of the software motion source: defaults for every camera under `events.motion`, and per camera
 * under `cameras.<name>.motion` (any default overridden, plus the camera's zones and masks). Every knob says what it
 * trades; config.example.yaml and the README repeat it.
 */
const share = z.number().min(0).max(1);
const point = z.tuple([share, share]).describe('[x, y]: fractions of the picture width and height from the top-left corner');
const polygon = z.array(point).min(3, 'a polygon needs at least 3 points [x, y]');

const knobs = {
  enabled: z.boolean().describe('run the software motion source for the camera in watch-events (the demo runs it for cameras with no other event source)'),
  decode: z
    .enum(['auto', 'all', 'keyframes'])
    .describe('the stream is subUrl when set, else url; auto: every frame of subUrl, keyframes only of url; all: every frame (10 % of a core for 1080p); keyframes: keyframes only. The recording (input): keyframes unless all'),
  input: z
    .enum(['auto', 'recording', 'stream'])
    .describe("where the pictures come from. recording: the recorder's own growing segment on this machine (keyframes of url as recorded, no second connection to the camera: about half the CPU, but a sample per keyframe interval), waiting while nothing is being recorded; stream: the camera's stream (subUrl or url, as decode says); auto: the recording while the camera is being recorded here, else the stream"),
  samplesPerSecond: z.number().min(0.5).max(10).describe('pictures compared per second: more reacts faster and costs more Node CPU (decoding costs the same)'),
  sensitivity: share.describe('0..1: how faint a change counts (0 → 50 grey levels, 1 → 10): higher finds dim or low-contrast objects and also more noise'),
  minArea: share.describe('share of the picture a moving blob must cover: lower finds smaller or farther objects and also more leaves and noise'),
  persistSamples: z.number().int().min(1).max(20).describe('consecutive samples a blob must be seen in: more rejects more flicker and adds one sample interval of delay each'),
  maxChangedShare: z.number().min(0.05).max(1).describe('a change covering more of the watched area than this is global (IR switch, lights, camera moved) and ignored: lower rejects more light changes and also objects very close to the camera'),
  backgroundSeconds: z.number().min(1).max(600).describe('how fast the background takes in slow changes, and how long something must stay still to become background: shorter forgets parked cars sooner and also loses people who stand still sooner'),
};

export const motionDefaultsSchema = z
  .strictObject({
    enabled: knobs.enabled.default(false),
    decode: knobs.decode.default('auto'),
    input: knobs.input.default('auto'),
    samplesPerSecond: knobs.samplesPerSecond.default(4),
    sensitivity: knobs.sensitivity.default(0.5),
    minArea: knobs.minArea.default(0.003),
    persistSamples: knobs.persistSamples.default(2),
    maxChangedShare: knobs.maxChangedShare.default(0.25),
    backgroundSeconds: knobs.backgroundSeconds.default(10),
  })
  .describe('software motion detection: defaults for every camera');

export const cameraMotionSchema = z
  .strictObject(knobs)
  .partial()
  .extend({
    zones: z.array(polygon).default([]).describe('polygons where motion counts (none: the whole picture)'),
    masks: z.array(polygon).default([]).describe('polygons where motion never counts (a clock overlay, a road, a tree)'),
  })
  .describe("this camera's software motion source: overrides of events.motion, zones and masks");

export type MotionDefaults = z.infer<typeof motionDefaultsSchema>;
export type CameraMotion = z.infer<typeof cameraMotionSchema>;

/** What the motion source of one camera runs with. */
export interface ResolvedMotion extends MotionSettings {
  /** The stream decoded and whether only its keyframes are. */
  url: string;
  keyframesOnly: boolean;
  /** Where the pictures come from, and whether only the recording's keyframes are decoded (decode: all decodes every frame). */
  input: MotionInput;
  recordingKeyframesOnly: boolean;
  samplesPerSecond: number;
}

/**
 * The motion settings of a camera: its overrides over the defaults, and which stream is decoded. Null when the
 * camera's motion source is not enabled. `fallback` (a camera with no other event source, in the demo) turns it on
 * unless the camera itself says `enabled: false`.
 */
export function resolveMotion(
  defaults: MotionDefaults,
  camera: { url: string; subUrl?: string; motion?: CameraMotion },
  fallback = false,
): ResolvedMotion | null {
  const { zones = [], masks = [], ...overrides } = camera.motion ?? {};
  const m = { ...defaults, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) } as MotionDefaults;
  if (!(camera.motion?.enabled ?? (fallback || defaults.enabled))) return null;
  return {
    url: camera.subUrl ?? camera.url,
    keyframesOnly: m.decode === 'keyframes' || (m.decode === 'auto' && camera.subUrl === undefined),
    input: m.input,
    recordingKeyframesOnly: m.decode !== 'all',
    samplesPerSecond: m.samplesPerSecond,
    sensitivity: m.sensitivity,
    minArea: m.minArea,
    persistSamples: m.persistSamples,
    maxChangedShare: m.maxChangedShare,
    backgroundSeconds: m.backgroundSeconds,
    zones: zones as Polygon[],
    masks: masks as Polygon[],
  };
}
