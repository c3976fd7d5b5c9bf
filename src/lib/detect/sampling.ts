import { covers } from './labels.js';

/**
 * Which frames of a clip to look at, pure. Cost and latency grow with every frame a detector sees
 * (a Rekognition call is paid per image), so the plan puts the most telling frame first, shortly after
 * the event started (the pre-roll before it usually shows the scene before the cause of the alarm),
 * then spreads the rest so that each next frame is as far as possible from the ones already planned.
 */
export interface FramePlanInput {
  /** Clip length in seconds. */
  durationSeconds: number;
  /** Where the event starts inside the clip (the pre-roll); 0 or absent for a plain clip. */
  eventStartOffsetSeconds?: number;
  /** At most this many frames (`detect.maxFramesPerEvent`). */
  maxFrames: number;
}

/** The first frame is taken this long after the event start: the object has entered the view by then. */
export const START_LEAD_SECONDS = 1;
/** Frames closer than this to each other say nothing new; short clips get fewer frames. */
export const MIN_GAP_SECONDS = 0.5;
/** Keep clear of the very end: the last timestamp of a clip often has no decodable frame after it. */
export const END_MARGIN_SECONDS = 0.2;

const round = (t: number): number => Math.round(t * 1000) / 1000;

/**
 * Timestamps (seconds from the clip start, millisecond precision) to examine, in the order to examine
 * them. Empty when the clip is empty or maxFrames < 1; otherwise 1..maxFrames timestamps in
 * [0, duration - END_MARGIN], no two closer than MIN_GAP_SECONDS, the first START_LEAD after the event start.
 */
export function planFrames({ durationSeconds, eventStartOffsetSeconds = 0, maxFrames }: FramePlanInput): number[] {
  if (!(durationSeconds > 0) || maxFrames < 1) return [];
  const last = Math.max(0, durationSeconds - END_MARGIN_SECONDS);
  const start = Math.min(Math.max(0, eventStartOffsetSeconds), last);
  const first = Math.min(start + START_LEAD_SECONDS, last);
  // The spread covers the event part of the clip (the whole clip when that part is too short), one
  // frame at the centre of each of `count` equal cells; the cell nearest the start gives way to `first`.
  const from = last - start >= MIN_GAP_SECONDS * maxFrames ? start : 0;
  const span = last - from;
  const count = Math.min(maxFrames, Math.max(1, Math.floor(span / MIN_GAP_SECONDS)));
  const grid = Array.from({ length: count }, (_, i) => from + (span * (i + 0.5)) / count);
  const nearest = grid.reduce((b, t, i) => (Math.abs(t - first) < Math.abs(grid[b]! - first) ? i : b), 0);
  const candidates = grid.filter((t, i) => i !== nearest && Math.abs(t - first) >= MIN_GAP_SECONDS);
  const chosen = [first];
  while (candidates.length > 0) {
    // Farthest-point order: the candidate farthest from everything chosen so far (earliest on ties).
    let best = 0;
    let bestDistance = -1;
    candidates.forEach((t, i) => {
      const d = Math.min(...chosen.map((c) => Math.abs(c - t)));
      if (d > bestDistance) [best, bestDistance] = [i, d];
    });
    chosen.push(...candidates.splice(best, 1));
  }
  return chosen.map(round);
}

/**
 * The early-stop rule: true once every alert label (`alerts.on`) is covered by a label already found.
 * With no alert labels there is nothing to settle early, so every planned frame is examined.
 */
export function allAlertLabelsFound(alertOn: readonly string[], found: Iterable<string>): boolean {
  const names = [...found];
  return alertOn.length > 0 && alertOn.every((wanted) => names.some((n) => covers(wanted, n)));
}
