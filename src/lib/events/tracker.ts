import { createHash } from 'node:crypto';
import type { EventRecord } from '../pipeline/records.js';

/**
 * The event state machine of one camera: pure, no timers, no I/O. Time only moves through the `at` of
 * observations and the `now` given to `tick()`, so every rule is table-testable.
 *
 * Rules (issue 3):
 * - An event is open while at least one label is active. Labels accumulate: a person during motion gives an
 *   `update` whose `labels` are `["motion","person"]`.
 * - Repeated `true` or `false` for a label change nothing.
 * - `initialized` observations (ONVIF `PropertyOperation="Initialized"`) are state, not edges; the only visible
 *   difference is that a start they cause carries `initial: true` (the camera was already in alarm at subscribe time).
 * - A label is active while any topic reporting it is (Axis VMD4 profile 1 and ANY both say motion): a `false` from
 *   one topic does not end what another still reports.
 * - A `pulse` (line crossed) is a start immediately followed by a stop of its label; an `initialized` pulse is a
 *   replay of the past and changes nothing.
 * - When the last label goes inactive the event is not closed at once: a new activity within `mergeGapMs`
 *   continues the same event (same `id`). Otherwise `tick()` emits the `end`, whose `end` is the moment of the stop.
 * - An event still open `maxEventMs` after its start (an alarm that never stops) is closed by `tick()` with
 *   `reason: "max-duration"`; its labels are forgotten, so the next `true` starts a new event.
 */
export interface Observation {
  camera: string;
  label: string;
  active: boolean;
  /** Server time of the observation (device time already corrected for clock skew). */
  at: Date;
  initialized: boolean;
  /** The raw ONVIF topic (or another source's identifier). */
  topic: string;
  /** An instant with no stop of its own (a line crossed). */
  pulse?: boolean;
}

export interface TrackerOptions {
  camera: string;
  maxEventMs: number;
  mergeGapMs: number;
  source?: EventRecord['source'];
}

interface OpenEvent {
  id: string;
  start: Date;
  labels: string[];
  topic: string;
  /** Set while no label is active: the moment the last one stopped. */
  quietSince: Date | null;
}

export class EventTracker {
  /** label → topics currently reporting it active. */
  private readonly active = new Map<string, Set<string>>();
  private open: OpenEvent | null = null;

  constructor(private readonly opts: TrackerOptions) {}

  /** Feed one observation; returns the records it causes (zero or one). */
  observe(obs: Observation): EventRecord[] {
    const out = this.tick(obs.at);
    if (obs.pulse) {
      if (obs.initialized || !obs.active) return out;
      out.push(...this.activate(obs));
      this.deactivate(obs);
      return out;
    }
    if (obs.active) out.push(...this.activate(obs));
    else this.deactivate(obs);
    return out;
  }

  private activate(obs: Observation): EventRecord[] {
    const topics = this.active.get(obs.label) ?? new Set<string>();
    const wasActive = topics.size > 0;
    topics.add(obs.topic);
    this.active.set(obs.label, topics);
    const ev = this.open;
    if (!ev) {
      const opened: OpenEvent = { id: eventId(this.opts.camera, obs.at, obs.topic), start: obs.at, labels: [obs.label], topic: obs.topic, quietSince: null };
      this.open = opened;
      return [this.record(opened, 'start', obs.at, obs.topic, obs.initialized ? { initial: true } : {})];
    }
    if (wasActive) return [];
    ev.quietSince = null;
    if (ev.labels.includes(obs.label)) return [];
    ev.labels.push(obs.label);
    return [this.record(ev, 'update', obs.at, obs.topic)];
  }

  private deactivate(obs: Observation): void {
    const topics = this.active.get(obs.label);
    if (!topics?.delete(obs.topic)) return;
    if (topics.size === 0) this.active.delete(obs.label);
    if (this.active.size === 0 && this.open) this.open.quietSince = obs.at;
  }

  /** Close what is due at `now` (merge gap elapsed, or max duration reached). */
  tick(now: Date): EventRecord[] {
    const ev = this.open;
    if (!ev) return [];
    if (ev.quietSince && now.getTime() - ev.quietSince.getTime() >= this.opts.mergeGapMs) {
      return [this.close(ev, ev.quietSince, {})];
    }
    const limit = ev.start.getTime() + this.opts.maxEventMs;
    if (!ev.quietSince && now.getTime() >= limit) {
      this.active.clear();
      return [this.close(ev, new Date(limit), { reason: 'max-duration' })];
    }
    return [];
  }

  /** When `tick()` next has something to do, or null when no event is open. */
  nextDeadline(): Date | null {
    const ev = this.open;
    if (!ev) return null;
    if (ev.quietSince) return new Date(ev.quietSince.getTime() + this.opts.mergeGapMs);
    return new Date(ev.start.getTime() + this.opts.maxEventMs);
  }

  /** Close the open event now (the watcher is stopping): an `end` with `reason: "stopped"`, or nothing. */
  stop(now: Date): EventRecord[] {
    const due = this.tick(now);
    if (due.length > 0 || !this.open) return due;
    this.active.clear();
    return [this.close(this.open, this.open.quietSince ?? now, { reason: 'stopped' })];
  }

  private close(ev: OpenEvent, end: Date, extra: Record<string, unknown>): EventRecord {
    this.open = null;
    return this.record(ev, 'end', end, ev.topic, { end: end.toISOString(), ...extra });
  }

  private record(
    ev: OpenEvent,
    state: EventRecord['state'],
    at: Date,
    topic: string,
    extra: Record<string, unknown> = {},
  ): EventRecord {
    return {
      v: 1,
      kind: 'event',
      id: ev.id,
      camera: this.opts.camera,
      state,
      at: at.toISOString(),
      start: ev.start.toISOString(),
      labels: [...ev.labels],
      source: this.opts.source ?? 'onvif',
      topic,
      ...extra,
    };
  }
}

/**
 * `<camera>-<yyyymmddThhmmssZ>-<6 hex>`: part of storage keys, so only [A-Za-z0-9._-]. Deterministic for the same
 * camera, start (ms) and topic, so a replay gives the same id.
 */
export function eventId(camera: string, start: Date, topic: string): string {
  const safe = camera.replace(/[^A-Za-z0-9._-]/g, '_');
  const stamp = start.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const hash = createHash('sha1').update(`${camera}\n${start.toISOString()}\n${topic}`).digest('hex').slice(0, 6);
  return `${safe}-${stamp}-${hash}`;
}
