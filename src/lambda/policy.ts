import { isLabel } from '../lib/detect/labels.js';
import { allAlertLabelsFound } from '../lib/detect/sampling.js';
import { BROWSER_CODECS, MP4_AUDIO } from '../lib/ffmpeg/args.js';
import type { MediaInfo } from '../lib/ffmpeg/probe.js';
import type { DetectionLabel } from '../lib/pipeline/records.js';
import { coveredByAny } from '../lib/detect/labels.js';

/**
 * The hooks' decisions, pure and table-tested (test/lambda/policy.test.ts): whether the analyze hook pays
 * Rekognition for a clip, and whether the transcode hook rewrites one. The handlers only do the I/O around them.
 */

/** The manifest field the analyze hook writes: its idempotency marker (a repeated event sees it and stops). */
export const HOOK_FIELD = 'cloudAnalysis';
/** The S3 metadata the transcode hook puts on a clip it rewrote (the rewrite's own event sees it and stops). */
export const TRANSCODED_META = 'cctv-transcoded';

export interface HookMarker {
  by: 'cctv-analyze-hook';
  at: string;
  /** What settled the answer: Rekognition, or the camera's own AI label. */
  outcome: 'rekognition' | 'camera';
  frames: number;
  alert: boolean;
}

export type AnalysisPlan =
  | { action: 'skip'; reason: 'no-manifest' | 'already-analyzed-by-hook' | 'analyzed-on-premise'; detail?: string }
  | { action: 'settle'; reason: 'camera-label'; detector: 'camera'; labels: DetectionLabel[] }
  | { action: 'wait'; reason: 'local-grace'; seconds: number }
  | { action: 'detect'; reason: 'unsettled' };

export interface PlanOptions {
  alertOn: readonly string[];
  detectLabels: readonly string[];
  /** How long ago the manifest was written (seconds; the S3 event's time to now). */
  ageSeconds: number;
  /** CCTV_LOCAL_GRACE_SECONDS: how long an on-premise analysis gets to land before Rekognition is paid; 0 = none. */
  graceSeconds: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Pure: what the analyze hook does with a clip, from its manifest (the cost rule: Rekognition only when nothing
 * has settled the answer yet).
 * - `skip` (no Rekognition, no write, no alert): no manifest; the hook's own marker is there (a repeated event,
 *   or the event of the hook's own manifest write); or the manifest already holds an analysis (on-premise
 *   `cctv analyze` with the local detector, or any detector: found or not, it settled the clip and alerted
 *   through its own sinks).
 * - `settle` (no Rekognition; labels written, alert decided): the camera's own AI labels (event labels such as
 *   `person` from ONVIF) already cover every alert label, so a picture cannot add to the alert decision. The
 *   camera gives no confidence: its labels are recorded with confidence 1 and detector `camera`.
 * - `wait` (nothing yet; checked before `settle`): the manifest holds no analysis and is younger than the grace
 *   period. cctv uploads the manifest before the on-premise `cctv analyze` (next in the pipe) has written its
 *   labels, so the hook first gives that analysis `seconds` more to land (re-reading the manifest), then plans
 *   again; camera-labelled clips wait too, or the owner would be alerted from both sides.
 * - `detect`: Rekognition on the planner's frames.
 */
export function planAnalysis(manifest: unknown, o: PlanOptions): AnalysisPlan {
  if (!isObject(manifest)) return { action: 'skip', reason: 'no-manifest' };
  if (isObject(manifest[HOOK_FIELD])) return { action: 'skip', reason: 'already-analyzed-by-hook' };
  const labels = manifest.labels;
  const analysed = typeof manifest.analyzedAt === 'string' && typeof manifest.detector === 'string' && Array.isArray(labels) &&
    labels.every(isObject);
  if (analysed) return { action: 'skip', reason: 'analyzed-on-premise', detail: String(manifest.detector) };
  // Within the grace period an on-premise `cctv analyze` may still write its labels (and alert): wait for it, also for
  // clips the camera's own AI settled, so the owner never gets the same alert from both sides.
  const left = o.graceSeconds - Math.max(0, o.ageSeconds);
  if (o.graceSeconds > 0 && left > 0) return { action: 'wait', reason: 'local-grace', seconds: Math.round(left * 1000) / 1000 };
  const event = isObject(manifest.event) ? manifest.event : undefined;
  const window = isObject(manifest.window) ? manifest.window : undefined;
  const camera = (Array.isArray(event?.labels) ? event.labels : []).filter((l): l is string => typeof l === 'string' && isLabel(l));
  if (camera.length > 0 && allAlertLabelsFound(o.alertOn, camera)) {
    const at = [event?.start, window?.start].find((t): t is string => typeof t === 'string' && Number.isFinite(Date.parse(t)));
    const kept = [...new Set(camera)].filter((l) => coveredByAny(o.detectLabels, l) || coveredByAny(o.alertOn, l));
    return {
      action: 'settle', reason: 'camera-label', detector: 'camera',
      labels: kept.map((name) => ({ name, confidence: 1, at: new Date(at ? Date.parse(at) : 0).toISOString() })),
    };
  }
  return { action: 'detect', reason: 'unsettled' };
}

/**
 * Pure: a manifest's age in seconds: from its S3 event's `eventTime` (when the object was written; a duplicate or
 * retried delivery keeps the original time), and at least the time since the hook first read it (`seenMs`), so a
 * missing event time or a clock ahead of the hook's never stretches the wait beyond the grace period.
 */
export function manifestAgeSeconds(eventTime: string | undefined, seenMs: number, nowMs: number): number {
  const at = eventTime === undefined ? Number.NaN : Date.parse(eventTime);
  return Math.max(0, (nowMs - seenMs) / 1000, Number.isFinite(at) ? (nowMs - at) / 1000 : 0);
}

/**
 * Pure: how often the hook re-reads a manifest while it waits for an on-premise analysis: a tenth of the grace
 * period, between 0.2 s and 2 s (≤ 15 GETs for the default 30 s; an analysis that lands after 2.3 s, the
 * measured median, is seen by about 4 s, so the function is billed seconds, not the whole grace).
 */
export function pollIntervalMs(graceSeconds: number): number {
  return Math.min(2000, Math.max(200, Math.round(graceSeconds * 100)));
}

export type Faststart = 'yes' | 'no' | 'unknown';

/**
 * Pure: whether an MP4 has its `moov` box before the media data (browsers can start playing before the whole
 * file arrived), from the file's first bytes: walks the top-level boxes until `moov` (yes) or `mdat`/`moof` (no).
 * `unknown` when the head is not an MP4 (no leading `ftyp`) or ends before either box.
 */
export function faststartFromHead(head: Buffer): Faststart {
  let off = 0;
  let first = true;
  while (off + 8 <= head.length) {
    let size = head.readUInt32BE(off);
    const type = head.toString('latin1', off + 4, off + 8);
    if (first && type !== 'ftyp') return 'unknown';
    first = false;
    if (type === 'moov') return 'yes';
    if (type === 'mdat' || type === 'moof') return 'no';
    if (size === 1) {
      if (off + 16 > head.length) return 'unknown';
      size = Number(head.readBigUInt64BE(off + 8));
    }
    if (size < 8) return 'unknown'; // 0 = "to the end of the file": nothing after it
    off += size;
  }
  return 'unknown';
}

export type TranscodePlan =
  | { action: 'none'; reason: 'already-rewritten' | 'browser-ready' | 'no-video' }
  | { action: 'remux'; reason: 'not-faststart' | 'container' | 'audio' }
  | { action: 'h264'; reason: 'video-codec' };

/**
 * Pure: what the transcode hook does with a clip. Rewrites only when browsers cannot play it as it is: another
 * video codec than H.264/VP9/AV1 (H.265 from many cameras) → re-encode to H.264; a container other than MP4,
 * audio MP4 cannot carry, or the moov box at the end → remux (video copied). A clip cctv cut (faststart H.264)
 * is left alone, and so is one this hook rewrote (its metadata marker).
 */
export function planTranscode(media: MediaInfo, faststart: Faststart, metadata: Record<string, string>): TranscodePlan {
  if (metadata[TRANSCODED_META] !== undefined) return { action: 'none', reason: 'already-rewritten' };
  if (media.video === null) return { action: 'none', reason: 'no-video' };
  if (!BROWSER_CODECS.has(media.video)) return { action: 'h264', reason: 'video-codec' };
  if (!media.format.split(',').includes('mp4')) return { action: 'remux', reason: 'container' };
  if (media.audio !== null && !MP4_AUDIO.has(media.audio)) return { action: 'remux', reason: 'audio' };
  if (faststart !== 'yes') return { action: 'remux', reason: 'not-faststart' };
  return { action: 'none', reason: 'browser-ready' };
}

/**
 * Pure: whether the transcode hook makes the clip's poster. cctv stores its own poster with every clip it
 * uploads (its metadata then names the `camera` and the clip's `sha256`); a clip put there by anything else
 * gets one from the hook. (The hook's role may not read posters, so it cannot look whether one exists.)
 */
export function needsPoster(metadata: Record<string, string>): boolean {
  return metadata[TRANSCODED_META] === undefined && !(metadata.camera !== undefined && metadata.sha256 !== undefined);
}
