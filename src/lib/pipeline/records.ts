import { z } from 'zod';

/**
 * The pipeline records of CONTRACT.md §2, schema version 1. Every record has `v: 1` and `kind`;
 * more fields are allowed (passthrough) so later versions and other tools can add to them.
 * Times are ISO 8601 UTC strings.
 */
const iso = z.iso.datetime({ offset: true });
const base = { v: z.literal(1) };

export const segmentRecordSchema = z.looseObject({
  ...base,
  kind: z.literal('segment'),
  camera: z.string().min(1),
  path: z.string().min(1),
  start: iso,
  end: iso,
  durationSeconds: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

export const eventState = z.enum(['start', 'update', 'end']);
export const eventSource = z.enum(['onvif', 'dir', 'manual', 'motion']);

export const eventRecordSchema = z.looseObject({
  ...base,
  kind: z.literal('event'),
  id: z.string().min(1),
  camera: z.string().min(1),
  state: eventState,
  at: iso,
  start: iso,
  end: iso.optional(),
  labels: z.array(z.string()),
  source: eventSource,
  topic: z.string().optional(),
});

export const clipRecordSchema = z.looseObject({
  ...base,
  kind: z.literal('clip'),
  camera: z.string().min(1),
  path: z.string().min(1),
  at: iso,
});

export const uploadedRecordSchema = z.looseObject({
  ...base,
  kind: z.literal('uploaded'),
  eventId: z.string().nullable(),
  camera: z.string().min(1),
  start: iso,
  end: iso,
  url: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  poster: z.string().nullable(),
  partial: z.boolean(),
});

export const detectionLabelSchema = z.looseObject({
  name: z.string().min(1),
  confidence: z.number().min(0).max(1),
  at: iso,
  box: z
    .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
    .optional(),
});

export const analyzedRecordSchema = z.looseObject({
  ...base,
  kind: z.literal('analyzed'),
  eventId: z.string().nullable(),
  camera: z.string().min(1),
  url: z.string().min(1),
  detector: z.string().min(1),
  frames: z.number().int().nonnegative(),
  labels: z.array(detectionLabelSchema),
  alert: z.boolean(),
});

/**
 * A live sighting (0.2, issue 12): live analysis confirmed an `alerts.on` label while the event was still going on
 * (src/lib/live). `alert` says whether it alerted (false: cooldown, snoozed, or the event had alerted already);
 * `snapshot` links the confirming picture (boxes drawn), or null.
 */
export const sightingRecordSchema = z.looseObject({
  ...base,
  kind: z.literal('sighting'),
  eventId: z.string().min(1),
  camera: z.string().min(1),
  at: iso,
  labels: z.array(detectionLabelSchema),
  detector: z.string().min(1),
  alert: z.boolean(),
  snapshot: z.string().nullable(),
});

export const recordSchemas = {
  segment: segmentRecordSchema,
  event: eventRecordSchema,
  clip: clipRecordSchema,
  uploaded: uploadedRecordSchema,
  analyzed: analyzedRecordSchema,
  sighting: sightingRecordSchema,
} as const;

export type RecordKind = keyof typeof recordSchemas;
export type SegmentRecord = z.infer<typeof segmentRecordSchema>;
export type EventRecord = z.infer<typeof eventRecordSchema>;
export type ClipRecord = z.infer<typeof clipRecordSchema>;
export type UploadedRecord = z.infer<typeof uploadedRecordSchema>;
export type AnalyzedRecord = z.infer<typeof analyzedRecordSchema>;
export type SightingRecord = z.infer<typeof sightingRecordSchema>;
export type DetectionLabel = z.infer<typeof detectionLabelSchema>;
export type PipelineRecord = SegmentRecord | EventRecord | ClipRecord | UploadedRecord | AnalyzedRecord | SightingRecord;
/** A record of a kind this version does not know: passed through unchanged. */
export type ForeignRecord = { v?: unknown; kind?: unknown; [k: string]: unknown };
