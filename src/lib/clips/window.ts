/**
 * Pure decisions about clips: the event window, which recordings cover it (and where they do not), when to
 * cut, and the storage keys. No I/O here; cut.ts does the ffmpeg work around these.
 */
import type { Span } from '../time.js';

/** A recording as the planner sees it: `endMs` is what is known to be in the file (for a growing one, probed). */
export interface Recording {
  path: string;
  startMs: number;
  endMs: number;
}

export interface Piece extends Span {
  path: string;
  /** Seconds into the recording where the piece starts; 0 = from the beginning. */
  inpoint: number;
  /** Seconds into the recording where the piece ends; undefined = to its end. */
  outpoint?: number;
}

export interface CutPlan {
  window: Span;
  pieces: Piece[];
  /** Parts of the window no recording covers (camera down, recorder stopped), in order. */
  gaps: Span[];
  /** True when there are gaps. */
  partial: boolean;
}

/** Holes shorter than this between recordings are the recorder's timing jitter, not gaps. */
export const GAP_TOLERANCE_MS = 500;

/** `[start − preRoll, end + postRoll]` in ms. */
export function eventWindow(startMs: number, endMs: number, preRollSeconds: number, postRollSeconds: number): Span {
  return { fromMs: startMs - preRollSeconds * 1000, toMs: Math.max(startMs, endMs) + postRollSeconds * 1000 };
}

/**
 * Which parts of which recordings make the window, oldest first, and what is missing. Recordings may come in
 * any order and may overlap (an overlap is taken from the earlier one). Holes up to GAP_TOLERANCE_MS are ignored.
 */
export function planCut(recordings: Recording[], window: Span): CutPlan {
  const pieces: Piece[] = [];
  const gaps: Span[] = [];
  let cursor = window.fromMs;
  for (const r of [...recordings].sort((a, b) => a.startMs - b.startMs)) {
    const from = Math.max(cursor, r.startMs, window.fromMs);
    const to = Math.min(r.endMs, window.toMs);
    if (to - from <= 0) continue;
    if (from - cursor > GAP_TOLERANCE_MS) gaps.push({ fromMs: cursor, toMs: from });
    pieces.push({
      path: r.path,
      fromMs: from,
      toMs: to,
      inpoint: (from - r.startMs) / 1000,
      ...(to < r.endMs ? { outpoint: (to - r.startMs) / 1000 } : {}),
    });
    cursor = to;
  }
  if (window.toMs - cursor > GAP_TOLERANCE_MS) gaps.push({ fromMs: cursor, toMs: window.toMs });
  return { window, pieces, gaps, partial: gaps.length > 0 };
}

export type Readiness = 'wait' | 'cut' | 'nothing';

/**
 * Whether to cut now. The recordings must reach the window's end (exactly: a growing file is waited for until it
 * holds the last frame); until `deadlineMs` (the camera may be down, or
 * the muxer has not flushed yet) it is worth waiting for them; after it, what exists is cut (partial), and
 * `nothing` when no recording touches the window at all.
 */
export function readiness(plan: CutPlan, nowMs: number, deadlineMs: number): Readiness {
  const last = plan.pieces[plan.pieces.length - 1];
  if (last !== undefined && last.toMs >= plan.window.toMs) return 'cut';
  if (nowMs < deadlineMs) return 'wait';
  return plan.pieces.length > 0 ? 'cut' : 'nothing';
}

/** Makes a string safe as one storage key segment: [A-Za-z0-9._-], not starting with a dot. */
export function keySegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_') || '_';
}

/** `clips/<camera>/<YYYY>/<MM>/<DD>/<id>` (UTC date of `atMs`); the caller adds `.mp4`, `.jpg`, `.json`. */
export function clipKeyBase(camera: string, id: string, atMs: number): string {
  const d = new Date(atMs).toISOString();
  return `clips/${keySegment(camera)}/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${keySegment(id)}`;
}

/** The storage key of a live alert's snapshot (src/lib/live), laid out like the clips: `snapshots/<camera>/<yyyy>/<mm>/<dd>/<id>.jpg`. */
export function snapshotKey(camera: string, eventId: string, eventStartMs: number): string {
  return `${clipKeyBase(camera, eventId, eventStartMs).replace(/^clips\//, 'snapshots/')}.jpg`;
}
