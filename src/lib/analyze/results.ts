import type { Config } from '../config/schema.js';
import type { ExamineClipInput, LabelSighting } from '../detect/examine.js';
import type { DetectionLabel } from '../pipeline/records.js';
import { parseClipKey } from '../sites.js';
import { NotFoundError, type Storage } from '../storage/index.js';

/**
 * Where analysis results go in storage besides the `analyzed` record (the catalog's rows are catalog/analyses.ts):
 * the clip's JSON manifest and the clip object's tags. Every write replaces what an earlier analysis of the same
 * clip wrote, so re-running analysis never duplicates anything. No catalog here: the AWS analyze hook uses it too.
 */

/** Pure: sightings (offsets in the clip) → record labels (ISO times), most confident first. */
export function toLabels(sightings: readonly LabelSighting[], clipStartMs: number): DetectionLabel[] {
  return sightings.map((s) => ({
    name: s.name,
    confidence: Math.round(s.confidence * 1000) / 1000,
    at: new Date(clipStartMs + Math.round(s.offsetSeconds * 1000)).toISOString(),
    ...(s.box ? { box: s.box } : {}),
  }));
}

/** The keys beside a stored event clip `[<site>/]clips/…/<id>.mp4`: its manifest and poster; null for anything else. */
export function siblingKeys(key: string): { manifest: string; poster: string } | null {
  const parts = parseClipKey(key);
  return parts?.ext === 'mp4' ? { manifest: `${parts.base}.json`, poster: `${parts.base}.jpg` } : null;
}

/** The most labels written into the `labels` tag. */
export const MAX_TAG_LABELS = 8;

/**
 * Pure: the object tags of an analysed clip. `class=clip` stays (lifecycle rules select on it); `labels` lists
 * the most confident label names joined by `+` (S3 tag values allow letters, digits, space and `_.:/=+-@`).
 */
export function clipTags(labels: readonly { name: string }[]): Record<string, string> {
  const names = labels.slice(0, MAX_TAG_LABELS).map((l) => l.name.replace(/[^\p{L}\p{N} _.:/=\-@]/gu, '_'));
  return names.length > 0 ? { class: 'clip', labels: names.join('+') } : { class: 'clip' };
}

/** The manifest's own record of an analysis. */
export interface ManifestAnalysis {
  labels: DetectionLabel[];
  detector: string;
  frames: number;
  analyzedAt: string;
}

/** Reads a JSON manifest; null when there is none (a clip stored by something else). */
export async function readManifest(storage: Storage, key: string): Promise<Record<string, unknown> | null> {
  try {
    const chunks: Buffer[] = [];
    for await (const c of await storage.get(key)) chunks.push(Buffer.from(c as Buffer));
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/** Writes the manifest back under the same key with the analysis fields replaced. */
export async function writeManifest(storage: Storage, key: string, manifest: Record<string, unknown>, analysis: ManifestAnalysis, camera: string): Promise<void> {
  const body = Buffer.from(`${JSON.stringify({ ...manifest, ...analysis }, null, 2)}\n`);
  await storage.put(key, { body }, { contentType: 'application/json', metadata: { camera } });
}

/**
 * Pure: where the event starts in the clip: the manifest's event start minus its window start when both are
 * there, else `preRollSeconds` for an event clip, else 0.
 */
export function eventStartOffset(manifest: Record<string, unknown> | null, eventId: string | null, preRollSeconds: number): number {
  const event = manifest?.event as { start?: unknown } | undefined;
  const window = manifest?.window as { start?: unknown } | undefined;
  if (typeof event?.start === 'string' && typeof window?.start === 'string') {
    const offset = (Date.parse(event.start) - Date.parse(window.start)) / 1000;
    if (Number.isFinite(offset)) return Math.max(0, offset);
  }
  return eventId !== null ? preRollSeconds : 0;
}

/**
 * Pure: what examineClip is asked of a clip under a configuration (the same for `cctv analyze` and the AWS hook):
 * where the event starts in it (eventStartOffset), detect.maxFramesPerEvent, minConfidence and labels, alerts.on.
 */
export function examineSettings(
  config: Pick<Config, 'detect' | 'alerts' | 'events'>,
  manifest: Record<string, unknown> | null,
  eventId: string | null,
): Pick<ExamineClipInput, 'eventStartOffsetSeconds' | 'maxFrames' | 'minConfidence' | 'labels' | 'alertOn'> {
  return {
    eventStartOffsetSeconds: eventStartOffset(manifest, eventId, config.events.preRollSeconds),
    maxFrames: config.detect.maxFramesPerEvent,
    minConfidence: config.detect.minConfidence,
    labels: config.detect.labels,
    alertOn: config.alerts.on,
  };
}
