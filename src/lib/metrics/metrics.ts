import { statfsSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { catalogHealth, type CatalogHealth } from '../catalog/health.js';
import type { Db } from '../catalog/db.js';
import { log } from '../log.js';

/**
 * The Prometheus metrics of one cctv process (prom-client), served at /metrics. Two kinds:
 * - read at scrape time from the catalog and the disk (outbox depth and oldest item, segment lag, events, disk free),
 *   so a plain `cctv serve` reports them too;
 * - counted by the stages of `cctv run` as work happens (stage and recorder state and restarts, event → clip and
 *   clip → alert latency, analysis time), through the observe… methods.
 * Every name starts with `cctv_`; Node's process metrics come with the `cctv_` prefix too.
 */

/** A stage of `cctv run` as the supervisor reports it (run/supervisor.ts). */
export interface StageSnapshot {
  name: string;
  state: string;
  restarts: number;
  /** The camera a recording stage records. */
  camera?: string;
  recording?: boolean;
}

export interface MetricsSource {
  db: Db;
  dataDir: string;
  cameras: string[];
  /** The stages of `cctv run`; none for a plain `cctv serve`. */
  stages?: () => StageSnapshot[];
}

const EMPTY: CatalogHealth = { outbox: { pending: 0, failed: 0, oldestPendingMs: null }, lastSegmentEndMs: {}, events: {}, clips: 0 };
const LATENCY_BUCKETS = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

export class Metrics {
  readonly registry = new Registry();
  private readonly eventsSeen: Counter<'camera' | 'source'>;
  private readonly eventToClip: Histogram<'camera'>;
  private readonly clipToAlert: Histogram<'camera'>;
  private readonly analysis: Histogram<'detector'>;
  private health: CatalogHealth | null = null;

  constructor(private readonly src: MetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'cctv_' });
    // The catalog's facts, read once per scrape (text()), shared by the gauges below.
    const facts = () => this.health ?? EMPTY;
    new Gauge({
      name: 'cctv_outbox_items', help: 'upload outbox items not done, by state', labelNames: ['state'], registers,
      collect() {
        this.set({ state: 'pending' }, facts().outbox.pending);
        this.set({ state: 'failed' }, facts().outbox.failed);
      },
    });
    new Gauge({
      name: 'cctv_outbox_oldest_pending_seconds', help: 'age of the oldest pending outbox item (0 when none)', registers,
      collect() {
        const oldest = facts().outbox.oldestPendingMs;
        this.set(oldest === null ? 0 : (Date.now() - oldest) / 1000);
      },
    });
    new Gauge({
      name: 'cctv_segment_lag_seconds', help: 'seconds between now and the end of the newest recording of each camera', labelNames: ['camera'], registers,
      collect() {
        this.reset();
        for (const camera of src.cameras) {
          const end = facts().lastSegmentEndMs[camera];
          if (end !== undefined) this.set({ camera }, Math.max(0, (Date.now() - end) / 1000));
        }
      },
    });
    new Gauge({
      name: 'cctv_catalog_events', help: 'events in the catalog, by camera', labelNames: ['camera'], registers,
      collect() {
        this.reset();
        for (const [camera, n] of Object.entries(facts().events)) this.set({ camera }, n);
      },
    });
    new Gauge({
      name: 'cctv_catalog_clips', help: 'stored clips in the catalog', registers,
      collect() {
        this.set(facts().clips);
      },
    });
    new Gauge({
      name: 'cctv_disk_free_bytes', help: 'free space of the data folder\'s file system', registers,
      collect() {
        try {
          const fs = statfsSync(src.dataDir);
          this.set(fs.bavail * fs.bsize);
        } catch {
          // The data folder is gone: no value rather than a wrong one.
        }
      },
    });
    new Gauge({
      name: 'cctv_stage_up', help: 'a stage of cctv run is running (1) or waiting to restart (0)', labelNames: ['stage'], registers,
      collect() {
        this.reset();
        for (const s of src.stages?.() ?? []) this.set({ stage: s.name }, s.state === 'running' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cctv_stage_restarts', help: 'restarts of each stage of cctv run since it started (a recorder counts its ffmpeg restarts)', labelNames: ['stage'], registers,
      collect() {
        this.reset();
        for (const s of src.stages?.() ?? []) this.set({ stage: s.name }, s.restarts);
      },
    });
    new Gauge({
      name: 'cctv_camera_recording', help: 'the camera is being recorded (1) or not (0)', labelNames: ['camera'], registers,
      collect() {
        this.reset();
        for (const s of src.stages?.() ?? []) if (s.camera !== undefined) this.set({ camera: s.camera }, s.recording ? 1 : 0);
      },
    });
    this.eventsSeen = new Counter({ name: 'cctv_events_total', help: 'events started, by camera and source', labelNames: ['camera', 'source'], registers });
    this.eventToClip = new Histogram({
      name: 'cctv_event_to_clip_seconds', help: 'from the end of an event to its clip stored', labelNames: ['camera'], buckets: LATENCY_BUCKETS, registers,
    });
    this.clipToAlert = new Histogram({
      name: 'cctv_clip_to_alert_seconds', help: 'from a clip stored to its alert decided and sent', labelNames: ['camera'], buckets: LATENCY_BUCKETS, registers,
    });
    this.analysis = new Histogram({
      name: 'cctv_analysis_seconds', help: 'time to analyse one clip (frames, detector, tags)', labelNames: ['detector'],
      buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 40, 80], registers,
    });
  }

  observeEvent(camera: string, source: string): void {
    this.eventsSeen.inc({ camera, source });
  }

  observeClip(camera: string, eventEndMs: number, nowMs = Date.now()): void {
    this.eventToClip.observe({ camera }, Math.max(0, (nowMs - eventEndMs) / 1000));
  }

  observeAnalysis(detector: string, seconds: number): void {
    this.analysis.observe({ detector }, seconds);
  }

  observeAlert(camera: string, storedMs: number, nowMs = Date.now()): void {
    this.clipToAlert.observe({ camera }, Math.max(0, (nowMs - storedMs) / 1000));
  }

  /** The Prometheus text exposition. */
  async text(): Promise<string> {
    try {
      this.health = catalogHealth(this.src.db);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'metrics: the catalog cannot be read');
      this.health = null;
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
