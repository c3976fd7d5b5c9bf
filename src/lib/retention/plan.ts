/**
 * The retention planner: what `cctv prune` deletes and why. Pure (no I/O, no clock); prune.ts gathers the inputs
 * from the catalog and the disk and carries the plan out.
 *
 * Rules, in order:
 * 1. Never: a segment still being written (`closed: false`), or one an upload is reading or will read (a pending,
 *    claimed or failed outbox item: an event whose clip window overlaps it, or the segment itself).
 * 2. `age`: a closed segment that ended more than `recordingsDays` ago, unless it overlaps a protected event
 *    window: an event that ended within `keepEventsDays` (an open one ends `maxEventMs` after its start at the
 *    latest), widened by pre/post-roll.
 * 3. `quota`: while the catalogued recordings hold more than `maxDiskBytes`, the oldest unprotected segments.
 *    Event-protected segments are not deleted for the quota (what is left over is `quotaShortfallBytes`).
 * 4. `emergency`: while the disk's free space is below `minFreeBytes`, the oldest unprotected segments, then the
 *    oldest event-protected ones, then the oldest that unfinished upload work reads (recording always wins over stuck
 *    work: that work is abandoned, `abandonsWork`); what is left over is `emergencyShortfallBytes`.
 * 5. `missing`: a closed segment the catalog knows but the disk does not: its row goes (nothing to free).
 * 6. Local clips (a camera's own clips in its drop folder) go once their upload is confirmed and they are older
 *    than `recordingsDays`; never before the upload is confirmed.
 * 7. `expired` stored objects (only with `remote: true`; otherwise the store's lifecycle rule does it): event clips
 *    (and event segments) that started more than `keepEventsDays` ago, continuous-backup segments `recordingsDays`.
 * 8. Gaps (the recorder's outages) before a camera's oldest kept recording go with it; a camera with no recording
 *    left keeps its gaps for `recordingsDays`.
 * Every age rule (2, 6, 7, the gaps' age) trusts the clock, so none applies when the clock is implausible: earlier
 * than the newest recording (a clock stepped back, a dead RTC battery before NTP). `clockBehindMs` says by how much.
 */
import type { EventTimes } from '../catalog/events.js';
import type { SegmentRow } from '../catalog/segments.js';
import type { StoredObject } from '../catalog/uploads.js';
import type { Span } from '../time.js';

export const DAY_MS = 86_400_000;
export const GB = 1e9;

export interface RetentionPolicy {
  recordingsDays: number;
  keepEventsDays: number;
  maxDiskBytes: number;
  minFreeBytes: number;
  /** Remove expired stored objects (true), or leave it to the store's lifecycle rule (false). */
  remote: boolean;
  preRollMs: number;
  postRollMs: number;
  /**
   * events.maxEventSeconds (ms): an event still open (its end never came, or not yet) lasts at most this long after
   * its start; it is never endless (issue 11: one orphan stopped age and quota retention for its camera).
   */
  maxEventMs: number;
}

/** A span of one camera's time. */
export type CameraSpan = Span & { camera: string };

/** What pending upload work will read: event clip windows (already widened by pre/post-roll) and whole segments. */
export interface InUse {
  windows: CameraSpan[];
  paths: ReadonlySet<string>;
}

export interface LocalClip {
  camera: string;
  /** As the outbox holds it (absolute, or relative to where `upload` ran). */
  path: string;
  atMs: number;
  bytes: number;
  /** The outbox item is done: the clip is in storage. */
  uploaded: boolean;
}

export interface PlanInput {
  nowMs: number;
  policy: RetentionPolicy;
  segments: SegmentRow[];
  events: EventTimes[];
  inUse: InUse;
  /** Catalogued paths whose file is not on disk (found by the disk walk). */
  missing: ReadonlySet<string>;
  localClips: LocalClip[];
  /** Stored clips and segments (their poster and manifest go with them). */
  stored: StoredObject[];
  /** Free bytes on the data folder's disk. */
  freeBytes: number;
}

export type SegmentReason = 'age' | 'quota' | 'emergency' | 'missing';

/** How far the clock may be behind the newest recording's end before it is called implausible (an open segment's end moves). */
export const CLOCK_TOLERANCE_MS = 60_000;

export interface Plan {
  /** `abandonsWork`: unfinished upload work reads it (emergency only; that work is abandoned). */
  segments: { segment: SegmentRow; reason: SegmentReason; abandonsWork?: true }[];
  localClips: LocalClip[];
  stored: StoredObject[];
  /** Segments kept because of rule 1 (open, in use) and because of a protected event. */
  kept: { open: number; inUse: number; eventProtected: number };
  /** Bytes of catalogued recordings before and after the plan. */
  usageBytes: number;
  usageAfterBytes: number;
  freeBytes: number;
  freeAfterBytes: number;
  quotaShortfallBytes: number;
  emergencyShortfallBytes: number;
  /** Per camera, the start of the oldest segment left after the plan (its gaps before that go). */
  oldestKept: Record<string, number>;
  /** Gaps of cameras without recordings that ended before this go; null when the clock is implausible. */
  gapAgeCutoffMs: number | null;
  /** How far the clock is behind the newest recording (> 0: implausible, every age rule was skipped). */
  clockBehindMs: number;
}

/** Builds the plan; see the rules above. `segments` in any order (oldest first is fastest). */
export function planRetention(input: PlanInput): Plan {
  const { nowMs, policy } = input;
  const segments = sortedByStart(input.segments);
  let newestMs = Number.NEGATIVE_INFINITY;
  for (const s of segments) if (s.endMs > newestMs) newestMs = s.endMs;
  const clockBehindMs = newestMs - nowMs > CLOCK_TOLERANCE_MS ? newestMs - nowMs : 0;
  /** Age rules apply to what ended before this (never, when the clock cannot be trusted). */
  const ageOf = (days: number) => (clockBehindMs > 0 ? Number.NEGATIVE_INFINITY : nowMs - days * DAY_MS);
  const eventCutoff = nowMs - policy.keepEventsDays * DAY_MS;
  const endOf = (e: EventTimes) => e.endMs ?? e.startMs + policy.maxEventMs;
  const eventWindows = input.events
    .filter((e) => endOf(e) >= eventCutoff)
    .map((e) => ({ camera: e.camera, fromMs: e.startMs - policy.preRollMs, toMs: endOf(e) + policy.postRollMs }));
  const inUse = overlapChecker(input.inUse.windows);
  const protectedByEvent = overlapChecker(eventWindows);

  const plan: Plan = {
    segments: [], localClips: [], stored: [], kept: { open: 0, inUse: 0, eventProtected: 0 }, usageBytes: 0, usageAfterBytes: 0,
    freeBytes: input.freeBytes, freeAfterBytes: input.freeBytes, quotaShortfallBytes: 0, emergencyShortfallBytes: 0, oldestKept: {},
    gapAgeCutoffMs: clockBehindMs > 0 ? null : nowMs - policy.recordingsDays * DAY_MS, clockBehindMs,
  };
  const ageCutoff = ageOf(policy.recordingsDays);
  const deleted = new Uint8Array(segments.length);
  const free: number[] = []; // indexes of unprotected segments not deleted yet (oldest first)
  const eventKept: number[] = []; // indexes of event-protected segments (oldest first)
  const busyKept: number[] = []; // indexes of closed segments unfinished work reads (oldest first)
  let usage = 0;
  let freed = 0;
  const drop = (i: number, reason: SegmentReason, abandonsWork = false) => {
    const s = segments[i]!;
    deleted[i] = 1;
    plan.segments.push(abandonsWork ? { segment: s, reason, abandonsWork } : { segment: s, reason });
    if (reason !== 'missing') {
      usage -= s.bytes;
      freed += s.bytes;
    }
  };
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    // The checkers walk each camera's spans with a cursor: every segment is offered to both, in start order.
    const busy = inUse.overlaps(s) || input.inUse.paths.has(s.path);
    const evented = protectedByEvent.overlaps(s);
    if (s.closed && !busy && input.missing.has(s.path)) {
      drop(i, 'missing');
      continue;
    }
    usage += s.bytes;
    if (!s.closed) plan.kept.open++;
    else if (busy) busyKept.push(i);
    else if (evented) eventKept.push(i);
    else if (s.endMs < ageCutoff) drop(i, 'age');
    else free.push(i);
  }
  plan.usageBytes = usage + freed;
  plan.kept.eventProtected = eventKept.length;
  plan.kept.inUse = busyKept.length;

  let next = 0;
  while (usage > policy.maxDiskBytes && next < free.length) drop(free[next++]!, 'quota');

  let nextEvented = 0;
  const need = () => policy.minFreeBytes - (input.freeBytes + freed);
  while (need() > 0 && next < free.length) drop(free[next++]!, 'emergency');
  while (need() > 0 && nextEvented < eventKept.length) {
    drop(eventKept[nextEvented++]!, 'emergency');
    plan.kept.eventProtected--;
  }
  let nextBusy = 0;
  while (need() > 0 && nextBusy < busyKept.length) {
    drop(busyKept[nextBusy++]!, 'emergency', true);
    plan.kept.inUse--;
  }
  plan.quotaShortfallBytes = Math.max(0, usage - policy.maxDiskBytes);
  plan.emergencyShortfallBytes = Math.max(0, need());
  plan.usageAfterBytes = usage;
  plan.freeAfterBytes = input.freeBytes + freed;

  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (!deleted[i] && plan.oldestKept[s.camera] === undefined) plan.oldestKept[s.camera] = s.startMs;
  }
  plan.localClips = input.localClips.filter((c) => c.uploaded && c.atMs < ageCutoff);
  if (policy.remote) {
    plan.stored = input.stored.filter((o) => {
      const days = o.kind === 'clip' || o.eventId !== null ? policy.keepEventsDays : policy.recordingsDays;
      return o.startMs < ageOf(days);
    });
  }
  return plan;
}

function sortedByStart(segments: SegmentRow[]): SegmentRow[] {
  for (let i = 1; i < segments.length; i++) {
    if (segments[i]!.startMs < segments[i - 1]!.startMs) return [...segments].sort((a, b) => a.startMs - b.startMs);
  }
  return segments;
}

/**
 * Answers "does [startMs, endMs) of this camera overlap one of the spans?" for segments offered in start order:
 * per camera the spans are merged and sorted once, then walked with a cursor (linear overall).
 */
export function overlapChecker(spans: CameraSpan[]): { overlaps(s: { camera: string; startMs: number; endMs: number }): boolean } {
  const byCamera = new Map<string, { fromMs: number; toMs: number }[]>();
  for (const s of [...spans].sort((a, b) => a.fromMs - b.fromMs)) {
    let list = byCamera.get(s.camera);
    if (!list) byCamera.set(s.camera, (list = []));
    const last = list[list.length - 1];
    if (last && s.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, s.toMs);
    else list.push({ fromMs: s.fromMs, toMs: s.toMs });
  }
  const cursor = new Map<string, number>();
  return {
    overlaps({ camera, startMs, endMs }) {
      const list = byCamera.get(camera);
      if (!list) return false;
      let i = cursor.get(camera) ?? 0;
      while (i < list.length && list[i]!.toMs <= startMs) i++;
      cursor.set(camera, i);
      return i < list.length && list[i]!.fromMs < Math.max(endMs, startMs + 1);
    },
  };
}
