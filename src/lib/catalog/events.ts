import type { EventRecord } from '../pipeline/records.js';
import type { Span } from '../time.js';
import type { Db } from './db.js';

/**
 * The events (table `events`, with its label index `event_labels` kept in step by triggers): the latest state of
 * each event record, open (no end yet) or closed.
 */

/**
 * Records an event record's latest state (start, update or end, with the end's `reason`); an ended event is not
 * reopened by a late update.
 */
export function recordEvent(db: Db, ev: EventRecord): void {
  db.prepare(
    `INSERT INTO events (id, camera, state, start_ms, end_ms, labels, source, topic, end_reason, updated_ms)
     VALUES (@id, @camera, @state, @startMs, @endMs, @labels, @source, @topic, @reason, @now)
     ON CONFLICT(id) DO UPDATE SET state = excluded.state, start_ms = excluded.start_ms,
       end_ms = COALESCE(excluded.end_ms, events.end_ms), labels = excluded.labels, topic = excluded.topic,
       end_reason = COALESCE(excluded.end_reason, events.end_reason), updated_ms = excluded.updated_ms
     WHERE events.state <> 'end' OR excluded.state = 'end'`,
  ).run({
    id: ev.id, camera: ev.camera, state: ev.state, startMs: Date.parse(ev.start), endMs: ev.end ? Date.parse(ev.end) : null,
    labels: JSON.stringify(ev.labels), source: ev.source, topic: ev.topic ?? null,
    reason: ev.state === 'end' && typeof ev.reason === 'string' ? ev.reason : null, now: Date.now(),
  });
}

/** An event whose end has not been recorded, as far as its end record needs it. */
export interface OpenEvent {
  id: string;
  camera: string;
  startMs: number;
  labels: string[];
  source: EventRecord['source'];
  topic: string | null;
}

/** Open events (no end recorded), oldest first: of one camera and source, and/or started before a time. */
export function openEvents(db: Db, where: { camera?: string; source?: string; startedBeforeMs?: number } = {}): OpenEvent[] {
  const rows = db
    .prepare(
      `SELECT id, camera, start_ms AS startMs, labels, source, topic FROM events
       WHERE end_ms IS NULL AND (@camera IS NULL OR camera = @camera) AND (@source IS NULL OR source = @source) AND start_ms < @before
       ORDER BY start_ms`,
    )
    .all({ camera: where.camera ?? null, source: where.source ?? null, before: where.startedBeforeMs ?? Number.MAX_SAFE_INTEGER }) as (Omit<OpenEvent, 'labels'> & { labels: string })[];
  return rows.map((e) => ({ ...e, labels: JSON.parse(e.labels) as string[] }));
}

/** An event's camera and time (end null while it is open). */
export interface EventTimes {
  camera: string;
  startMs: number;
  endMs: number | null;
}

/** Events that are still open, or ended at or after `cutoffMs` (those whose recordings retention keeps). */
export function eventsOpenOrEndedSince(db: Db, cutoffMs: number): EventTimes[] {
  return db
    .prepare('SELECT camera, start_ms AS startMs, end_ms AS endMs FROM events WHERE end_ms IS NULL OR end_ms >= ?')
    .all(cutoffMs) as EventTimes[];
}

/** Start (ms) of the camera's newest event, or null when it has none. */
export function lastEventStart(db: Db, camera: string): number | null {
  const r = db.prepare('SELECT max(start_ms) AS ms FROM events WHERE camera = ?').get(camera) as { ms: number | null };
  return r.ms;
}

/** An event on a camera's timeline. */
export interface TimelineEvent {
  id: string;
  startMs: number;
  endMs: number | null;
  /** The labels its records carried (the camera's own: motion, person, …). */
  labels: string[];
}

/** How far before a span an event may have started and still be looked for in it (events last minutes, not days). */
export const EVENT_LOOKBACK_MS = 86_400_000;

/**
 * The events of a camera that overlap `span` (an open one counts at its start only), oldest first, among those that
 * started at most EVENT_LOOKBACK_MS before it (so the query stays on the (camera, start) index).
 */
export function cameraEventsOverlapping(db: Db, camera: string, span: Span): TimelineEvent[] {
  const rows = db
    .prepare(
      `SELECT id, start_ms AS startMs, end_ms AS endMs, labels FROM events
       WHERE camera = ? AND start_ms < ? AND start_ms >= ? AND COALESCE(end_ms, start_ms) >= ? ORDER BY start_ms`,
    )
    .all(camera, span.toMs, span.fromMs - EVENT_LOOKBACK_MS, span.fromMs) as (Omit<TimelineEvent, 'labels'> & { labels: string })[];
  return rows.map((e) => ({ ...e, labels: JSON.parse(e.labels) as string[] }));
}

/**
 * Removes the events that ended before `beforeMs` (an open one counts as ended `maxEventMs` after its start) and
 * have no stored clip (their rows go with their clip: retention.remote, the uploads table); their labels go with
 * them (trigger). In short transactions. Returns how many.
 */
export function pruneEvents(db: Db, beforeMs: number, maxEventMs: number): number {
  const batch = db.prepare(
    `DELETE FROM events WHERE id IN (
       SELECT id FROM events WHERE (end_ms < @before OR (end_ms IS NULL AND start_ms < @before - @max))
         AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.event_id = events.id)
       LIMIT 500)`,
  );
  let removed = 0;
  for (let n; (n = db.transaction(() => batch.run({ before: beforeMs, max: maxEventMs }).changes).immediate()) > 0; ) removed += n;
  return removed;
}
