import { log } from '../log.js';
import { describeSource, drawPoster, extractFrames, probeVideo } from '../ffmpeg/frames.js';
import { coveredByAny } from './labels.js';
import { allAlertLabelsFound, planFrames } from './sampling.js';
import type { Box, Detection, Detector } from './types.js';

export interface ExamineClipInput {
  /** A local clip path or an http(s) URL (e.g. presigned S3). */
  source: string;
  /** Where the event starts inside the clip (the pre-roll); 0 when absent. */
  eventStartOffsetSeconds?: number;
  /** The clip length when known; probed otherwise (the picture size is probed either way). */
  durationSeconds?: number;
  detector: Detector;
  /** detect.maxFramesPerEvent */
  maxFrames: number;
  /** detect.minConfidence, 0..1 */
  minConfidence: number;
  /** detect.labels: only labels covered by these are reported. */
  labels: readonly string[];
  /** alerts.on: examination stops once all of them are found. */
  alertOn: readonly string[];
  /** Write the poster JPEG (best frame, boxes drawn) here when something was found. */
  posterOut?: string;
}

/** The best sighting of one label in a clip. */
export interface LabelSighting {
  name: string;
  confidence: number;
  offsetSeconds: number;
  box?: Box;
}

/** What examineClip found. */
export interface Examination {
  /** Frames the detector examined (≤ maxFrames; fewer after an early stop). */
  frames: number;
  /** One entry per label found, its most confident sighting, most confident label first. */
  labels: LabelSighting[];
  /** The poster path when one was written. */
  poster?: string;
}

/**
 * Pure: which detections of one frame count (vocabulary label wanted by `labels`, confident enough).
 */
export function keep(detections: readonly Detection[], labels: readonly string[], minConfidence: number): Detection[] {
  return detections.filter((d) => d.confidence >= minConfidence && coveredByAny(labels, d.name));
}

/**
 * Pure: the poster frame. The frame of the best person sighting when there is one, else that of the
 * most confident label; undefined when nothing was found.
 */
export function choosePosterOffset(best: readonly LabelSighting[]): number | undefined {
  return (best.find((l) => l.name === 'person') ?? best[0])?.offsetSeconds;
}

/**
 * Looks at a clip with a detector: plans the frames (sampling.ts), extracts them in one ffmpeg pass,
 * runs the detector frame by frame in plan order, and stops once every alert label is found. The
 * poster shows the chosen frame with the boxes of all kept detections in it.
 */
export async function examineClip(input: ExamineClipInput): Promise<Examination> {
  const { source, detector } = input;
  const info = await probeVideo(source);
  const durationSeconds = input.durationSeconds ?? info.durationSeconds;
  const times = planFrames({
    durationSeconds,
    eventStartOffsetSeconds: input.eventStartOffsetSeconds ?? 0,
    maxFrames: input.maxFrames,
  });
  const frames = await extractFrames(source, times, detector.input, { ...info, durationSeconds });
  const best = new Map<string, LabelSighting>();
  const boxesAt = new Map<number, Box[]>();
  let examined = 0;
  for (const frame of frames) {
    const found = keep(await detector.detect(frame), input.labels, input.minConfidence);
    examined++;
    boxesAt.set(frame.offsetSeconds, found.flatMap((d) => (d.box ? [d.box] : [])));
    for (const d of found) {
      const prior = best.get(d.name);
      if (!prior || d.confidence > prior.confidence) {
        best.set(d.name, { name: d.name, confidence: d.confidence, offsetSeconds: frame.offsetSeconds, ...(d.box ? { box: d.box } : {}) });
      }
    }
    if (allAlertLabelsFound(input.alertOn, best.keys())) break;
  }
  const labels = [...best.values()].sort((a, b) => b.confidence - a.confidence);
  const posterAt = choosePosterOffset(labels);
  let poster: string | undefined;
  if (input.posterOut && posterAt !== undefined) {
    await drawPoster(source, posterAt, boxesAt.get(posterAt) ?? [], input.posterOut);
    poster = input.posterOut;
  }
  log.debug({ source: describeSource(source), detector: detector.name, planned: times.length, examined, labels: labels.map((l) => l.name) }, 'clip analyzed');
  return { frames: examined, labels, ...(poster ? { poster } : {}) };
}
