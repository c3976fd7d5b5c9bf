import type { OpenEvent } from '../catalog/events.js';
import type { EventRecord } from '../pipeline/records.js';

/**
 * Orphans: events whose `end` never arrived (watch-events killed or restarted mid-event, a power cut, a broken pipe).
 * The watcher closes every event by `maxEventSeconds` after its start at the latest (tracker.ts), so an event still
 * open later than that, or one its own source has forgotten (the source restarted, or started another event on the
 * same camera), will never get its end: cctv writes it instead, with `reason: "orphaned"`, and its clip covers what
 * the event may have lasted. Pure; the catalog reads are catalog/events.ts openEvents.
 */

/** Margin after `maxEventSeconds` + post-roll for an `end` still on its way through the pipe. */
export const ORPHAN_MARGIN_MS = 30_000;

/**
 * Pure: the end of an orphan: the latest moment it may have lasted to, `maxEventMs` after its start, unless
 * something proves it over earlier (`overByMs`: the source's next event started, or the source restarted).
 */
export function orphanEndMs(e: Pick<OpenEvent, 'startMs'>, maxEventMs: number, overByMs = Number.POSITIVE_INFINITY): number {
  return Math.max(e.startMs, Math.min(e.startMs + maxEventMs, overByMs));
}

/** Pure: when an open event that started at `startMs` is an orphan by age: its end would have come by then. */
export function orphanedByAgeAt(startMs: number, maxEventMs: number, postRollMs: number): number {
  return startMs + maxEventMs + postRollMs + ORPHAN_MARGIN_MS;
}

/** Pure: the `end` record cctv writes for an orphan. */
export function orphanEndRecord(e: OpenEvent, endMs: number): EventRecord {
  const end = new Date(endMs).toISOString();
  return {
    v: 1, kind: 'event', id: e.id, camera: e.camera, state: 'end', at: end, start: new Date(e.startMs).toISOString(), end,
    labels: e.labels, source: e.source, ...(e.topic !== null ? { topic: e.topic } : {}), reason: 'orphaned',
  };
}

/**
 * Pure: the open events a `start` record proves orphaned: the same camera and source, another id, started earlier
 * (a source has one event open per camera at a time, so its new event means the old one's end was lost).
 */
export function orphanedBy(start: Pick<EventRecord, 'id' | 'camera' | 'source' | 'start'>, open: readonly OpenEvent[]): OpenEvent[] {
  const startMs = Date.parse(start.start);
  return open.filter((e) => e.camera === start.camera && e.source === start.source && e.id !== start.id && e.startMs < startMs);
}
