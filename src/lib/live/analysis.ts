import { cpus } from 'node:os';
import { alerts, type Alert, type Alerter } from '../alerts/index.js';
import { appBaseUrl } from '../alerts/links.js';
import { composeAlert } from '../alerts/message.js';
import { decideAndSave } from '../analyze/analyzer.js';
import { liveClipUrl } from '../catalog/analyses.js';
import type { Db } from '../catalog/db.js';
import { snapshotKey } from '../clips/window.js';
import type { Config } from '../config/schema.js';
import { covers } from '../detect/labels.js';
import { prioritised } from '../detect/priority.js';
import { startLocalDetectorThread } from '../detect/worker.js';
import type { Detection, Detector } from '../detect/types.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { DetectionLabel, EventRecord, SightingRecord } from '../pipeline/records.js';
import type { Storage } from '../storage/index.js';
import { sleep } from '../wait.js';
import { DecoderPool, LiveFrames, type LatestFrame } from './frames.js';
import { encodeSnapshot, loadSnapshotEncoder } from './snapshot.js';
import { admit, liveConfirmed, sampleIntervalMs, stopReason, trustedCameraLabels, type StopReason } from './plan.js';

/**
 * Live analysis: alerts while the event goes on. Each event's `start` opens a session (if one is free: at most
 * alerts.live.maxSessions, keyframes only when more than half are taken, none when all are: the event is then analysed
 * when it ends, as without live analysis). A session follows the recording being written (frames.ts), gives the
 * newest picture to the detector on a schedule (plan.ts sampleIntervalMs) and stops when the alert is decided, the
 * event ends, or alerts.live.maxSeconds pass. A label confirmed by the one rule (detect/confirm.ts, a camera-AI label
 * counting as one sighting) is decided like any analysis (decideAndSave: once per event, symmetric cooldown, arming),
 * recorded as the event's `live:<id>` analysis, and alerted with the confirming picture (boxes drawn) as snapshot.
 */
export interface LiveAnalysisOptions {
  db: Db;
  config: Config;
  storage: Storage;
  alerter: Alerter;
  /** The detector live samples go to (ahead of end-of-event work: see detect/priority.ts). */
  detector: Detector;
  /** A `sighting` record for every live alert (the pipeline's new record kind). */
  emit?(record: SightingRecord): void;
}

/**
 * Live analysis as `cctv analyze` and `cctv run` (the demo too) start it: the local detector in a worker thread (warming up now), shared
 * with the end-of-event analysis behind live samples when `local` is the configured detector. `detector` is what the
 * Analyzer should use (undefined: its own). null when live analysis is off (alerts.live.maxSessions 0, no camera).
 */
export function startLiveAnalysis(o: Omit<LiveAnalysisOptions, 'detector'>): { live: LiveAnalysis; detector: Detector | undefined; close(): Promise<void> } | null {
  const { config } = o;
  if ((config.alerts.live.maxSessions ?? defaultMaxSessions()) === 0 || Object.keys(config.cameras).length === 0) return null;
  const thread = startLocalDetectorThread(config.detect);
  let closing = false;
  thread.ready.catch((err: unknown) => {
    if (!closing) log.error({ err: errorMessage(err) }, 'live analysis off: the detector thread did not start');
  });
  const shared = prioritised(thread);
  const live = new LiveAnalysis({ ...o, detector: shared.live });
  return {
    live,
    detector: config.detect.detector === 'local' ? shared.later : undefined,
    async close() {
      closing = true;
      await live.close();
      await thread.close();
    },
  };
}

/** The default alerts.live.maxSessions: one per two cores, at least one. */
export function defaultMaxSessions(cores = cpus().length): number {
  return Math.max(1, Math.floor(cores / 2));
}

interface Session {
  /** The labels the camera reported for the event so far (an `update` may add some). */
  labels: string[];
  ended: boolean;
  stop: AbortController;
  done: Promise<void>;
}

export class LiveAnalysis {
  private readonly sessions = new Map<string, Session>();
  /** Snapshots being encoded and stored. */
  private readonly snapshots = new Set<Promise<void>>();
  private readonly decoders: DecoderPool;
  readonly maxSessions: number;
  private closed = false;

  constructor(private readonly o: LiveAnalysisOptions) {
    this.maxSessions = o.config.alerts.live.maxSessions ?? defaultMaxSessions();
    const input = o.detector.input;
    this.decoders = new DecoderPool({ width: input.width, height: input.height ?? input.width });
    if (this.maxSessions > 0 && mkvCameras(o.config) > 0) {
      this.decoders.warm(false);
      loadSnapshotEncoder().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'live: the snapshot encoder (sharp) did not load; alerts go without a snapshot'));
    }
  }

  get active(): number {
    return this.sessions.size;
  }

  /** An event record arrived: a `start` opens a session, an `end` closes it. */
  event(ev: EventRecord): void {
    const open = this.sessions.get(ev.id);
    if (open) {
      open.labels = [...new Set([...open.labels, ...ev.labels])];
      if (ev.state === 'end') {
        open.ended = true;
        open.stop.abort();
      }
      return;
    }
    if (ev.state !== 'start' || this.closed || this.sessions.has(ev.id)) return;
    if (recordFormat(this.o.config, ev.camera) !== 'mkv') return;
    const how = admit(this.sessions.size, this.maxSessions);
    if (how === 'none') {
      if (this.maxSessions > 0) log.warn({ camera: ev.camera, event: ev.id, sessions: this.sessions.size }, 'live: all sessions busy; the event is analysed when it ends');
      return;
    }
    const session: Session = { labels: [...ev.labels], ended: false, stop: new AbortController(), done: Promise.resolve() };
    this.sessions.set(ev.id, session);
    session.done = this.run(ev, session, how === 'keyframes')
      .catch((err: unknown) => log.error({ camera: ev.camera, event: ev.id, err: errorMessage(err) }, 'live: session failed'))
      .finally(() => this.sessions.delete(ev.id));
  }

  /** Stops every session and the spare decoders; resolves when they are gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sessions.values()) s.stop.abort();
    await Promise.all([...this.sessions.values()].map((s) => s.done));
    await Promise.all([...this.snapshots]);
    await this.decoders.close();
  }

  private async run(ev: EventRecord, session: Session, keyframesOnly: boolean): Promise<void> {
    const { config, db } = this.o;
    const live = config.alerts.live;
    const rule = { minConfidence: config.detect.minConfidence, highConfidence: live.highConfidence, needed: live.needed, of: live.of };
    const frames = new LiveFrames({
      db, dataDir: config.dataDir, camera: ev.camera, keyframesOnly, decoders: this.decoders,
      request: { format: 'rgb24', width: this.o.detector.input.width, height: this.o.detector.input.height ?? this.o.detector.input.width },
    });
    const started = Date.now();
    const samples: Detection[][] = [];
    const pictures: LatestFrame[] = [];
    let decided = false;
    let lastSeq = 0;
    let reason: StopReason | null = null;
    try {
      const trusted = config.alerts.trustCameraLabels ? trustedCameraLabels(session.labels, config.alerts.on) : [];
      if (trusted.length > 0) {
        const picture = await firstPicture(frames, session.stop.signal, 1500);
        await this.alert(ev, trusted.map((name) => ({ name, confidence: 1, at: new Date().toISOString() })), picture && { ...picture, cameraSize: frames.cameraSize }, 'camera', 0);
        decided = true;
      }
      let due = Date.now();
      for (;;) {
        reason = stopReason({ decided, ended: session.ended, stopped: session.stop.signal.aborted, elapsedMs: Date.now() - started, maxMs: live.maxSeconds * 1000 });
        if (reason) break;
        if (frames.failure) {
          log.info({ camera: ev.camera, event: ev.id, why: frames.failure }, 'live: no picture to follow; the event is analysed when it ends');
          reason = 'stopped';
          break;
        }
        await sleep(Math.max(0, due - Date.now()), session.stop.signal);
        const picture = frames.latest();
        if (!picture || picture.seq === lastSeq) {
          due = Date.now() + 40;
          continue;
        }
        lastSeq = picture.seq;
        due = Date.now() + sampleIntervalMs(Date.now() - started, live.sampleSeconds * 1000);
        const asked = Date.now();
        const found = await this.o.detector.detect({ offsetSeconds: 0, format: 'rgb24', width: picture.width, height: picture.height, data: picture.data });
        log.debug({ event: ev.id, sinceStartMs: asked - started, pictureAgeMs: asked - picture.atMs, detectMs: Date.now() - asked, found: found.map((d) => d.name) }, 'live: sample');
        samples.push(found);
        pictures.push(picture);
        if (samples.length > live.of) {
          samples.shift();
          pictures.shift();
        }
        const confirmed = liveConfirmed(samples, session.labels, config.alerts.on, rule);
        if (confirmed.length === 0) continue;
        await this.alert(ev, bestSightings(samples, pictures, confirmed), { ...picture, cameraSize: frames.cameraSize }, this.o.detector.name, samples.length);
        decided = true;
      }
    } finally {
      frames.stop();
      await frames.done;
      log.debug({ camera: ev.camera, event: ev.id, reason, samples: samples.length, ms: Date.now() - started }, 'live: session ended');
    }
  }

  /**
   * Decides and, when it alerts, queues the alert for delivery, in one catalog transaction (decideAndSave: the one
   * decision path, shared with the end-of-event analysis): the decision and the live labels go into the catalog as the
   * event's `live:<id>` analysis (so the end-of-event analysis says `repeat` and merges them), the alert into the
   * Alerter's durable queue (`alerts`, origin `live`). The snapshot is then encoded and stored, and the delivery
   * started as soon as it is stored (or failed: the sinks then send without it).
   */
  private async alert(ev: EventRecord, labels: DetectionLabel[], picture: Snapshotable | null, detector: string, frames: number): Promise<void> {
    const { config, db, storage } = this.o;
    const startMs = Date.parse(ev.start) - config.events.preRollSeconds * 1000;
    const row = { clipUrl: liveClipUrl(ev.id), eventId: ev.id, camera: ev.camera, startMs, detector, frames, labels };
    const key = snapshotKey(ev.camera, ev.id, Date.parse(ev.start));
    const links = await this.links(ev, key, picture !== null);
    const alert: Alert = {
      ...composeAlert({ camera: ev.camera, eventId: ev.id, labels, alertOn: config.alerts.on, detector, clip: links.clip, poster: links.poster }),
      media: { snapshot: async () => null, clip: async () => null },
    };
    const send = { alerter: this.o.alerter, origin: 'live', alert, media: { poster: picture === null ? null : key, clip: null } };
    const decision = decideAndSave(db, config, row, send, (d) => d);
    log.info({ camera: ev.camera, event: ev.id, labels: labels.map((l) => l.name), decision }, 'live: confirmed');
    const sighting: SightingRecord = {
      v: 1, kind: 'sighting', eventId: ev.id, camera: ev.camera, at: alert.at, labels, detector, alert: alerts(decision), snapshot: null,
    };
    if (decision !== 'new') {
      this.o.emit?.({ ...sighting, at: labels[0]!.at });
      return;
    }
    const stored = picture === null ? Promise.resolve() : encodeSnapshot(picture, picture.cameraSize, labels.flatMap((l) => (l.box ? [l.box] : [])))
      .then((jpeg) => storage.put(key, { body: jpeg }, { contentType: 'image/jpeg', metadata: { camera: ev.camera } }))
      .then(() => {})
      .catch((err: unknown) => {
        log.warn({ camera: ev.camera, event: ev.id, err: errorMessage(err) }, 'live: snapshot not made or not stored; alerting without it');
      })
      .finally(() => this.o.alerter.wake());
    this.snapshots.add(stored);
    void stored.finally(() => this.snapshots.delete(stored));
    this.o.emit?.({ ...sighting, snapshot: links.poster });
  }

  /**
   * Links that work now: with alerts.publicUrl, the web app's event routes (the clip link plays the recording from the
   * event's start until the stored clip exists, then the clip); without, the snapshot's presigned or stored URL for both.
   */
  private async links(ev: EventRecord, key: string, hasSnapshot: boolean): Promise<{ clip: string; poster: string | null }> {
    const base = appBaseUrl(this.o.config.alerts);
    if (base) {
      const event = `${base}/media/event/${encodeURIComponent(ev.camera)}/${encodeURIComponent(ev.id)}`;
      const at = `?at=${Date.parse(ev.start)}`;
      return { clip: `${event}${at}`, poster: hasSnapshot ? `${event}/snapshot.jpg${at}` : null };
    }
    // Without the app's address there is no page for the recording: both links open the snapshot.
    const url = (await this.o.storage.presign(key, this.o.config.alerts.presignSeconds)) ?? this.o.storage.urlFor(key);
    return { clip: url, poster: hasSnapshot ? url : null };
  }
}

/** A picture for the snapshot, with the camera's picture size (its aspect) when the decoder said it. */
type Snapshotable = LatestFrame & { cameraSize: { width: number; height: number } | null };

/** Pure: for each confirmed label, its best sighting among the samples (time of its picture, box), most confident first. */
export function bestSightings(samples: readonly (readonly Detection[])[], pictures: readonly { atMs: number }[], confirmed: readonly string[]): DetectionLabel[] {
  const out: DetectionLabel[] = [];
  for (const name of confirmed) {
    let best: { d: Detection; atMs: number } | null = null;
    samples.forEach((frame, i) => {
      for (const d of frame) if (covers(name, d.name) && (!best || d.confidence > best.d.confidence)) best = { d, atMs: pictures[i]!.atMs };
    });
    if (best) {
      const { d, atMs } = best as { d: Detection; atMs: number };
      out.push({ name: d.name, confidence: Math.round(d.confidence * 1000) / 1000, at: new Date(atMs).toISOString(), ...(d.box ? { box: d.box } : {}) });
    }
  }
  return out.sort((a, b) => b.confidence - a.confidence);
}

async function firstPicture(frames: LiveFrames, signal: AbortSignal, waitMs: number): Promise<LatestFrame | null> {
  const until = Date.now() + waitMs;
  while (!frames.latest() && Date.now() < until && !signal.aborted && !frames.failure) await sleep(20, signal);
  return frames.latest();
}

function recordFormat(config: Config, camera: string): string {
  return config.cameras[camera]?.record?.format ?? config.record.format;
}

function mkvCameras(config: Config): number {
  return Object.keys(config.cameras).filter((c) => recordFormat(config, c) === 'mkv').length;
}
