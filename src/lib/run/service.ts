import { createAlerter } from '../alerts/index.js';
import { Analyzer } from '../analyze/analyzer.js';
import { AnalysisQueue } from '../analyze/queue.js';
import { startLiveAnalysis } from '../live/analysis.js';
import type { Db } from '../catalog/db.js';
import { seenDropFiles } from '../catalog/drop-files.js';
import { openEvents } from '../catalog/events.js';
import { lockCameraRecorder } from '../catalog/locks.js';
import { sqliteEventCatalog } from '../catalog/sqlite-event-catalog.js';
import { selectCameras } from '../config/cameras.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { DEFAULT_MERGE_GAP_SECONDS, watchEvents } from '../events/watch.js';
import { log } from '../log.js';
import { Metrics } from '../metrics/metrics.js';
import { resolveMotion } from '../motion/config.js';
import { watchMotion } from '../motion/source.js';
import type { ClipRecord, EventRecord, UploadedRecord } from '../pipeline/records.js';
import { CameraRecorder } from '../record/recorder.js';
import { recoverCamera } from '../record/recover.js';
import { executePlan, survey } from '../retention/prune.js';
import { readiness } from '../serve/health-routes.js';
import { startServe } from '../serve/index.js';
import { storageFromConfig } from '../storage/index.js';
import { Uploader } from '../upload/uploader.js';
import { sleep } from '../wait.js';
import { Supervisor, type Stage } from './supervisor.js';

export interface ServiceOptions {
  config: Config;
  db: Db;
  /** Stops everything; runService resolves once recorders have finalised their segments and work in flight ended. */
  signal: AbortSignal;
  host: string;
  port: number;
  onListening?(url: string): void;
  /** Time between two retention runs (the first runs at start). Default one hour. */
  pruneEveryMs?: number;
  /** Called with the supervisor once the stages exist (tests, `cctv demo`'s view). */
  onStart?(supervisor: Supervisor): void;
}

const HOUR_MS = 3_600_000;

/**
 * `cctv run`: every stage in one process, built from the same library functions as the composable commands, sharing
 * one catalog, each supervised on its own (supervisor.ts):
 *   record <camera>   one per enabled camera (CameraRecorder; restarts its own ffmpeg too)
 *   events            ONVIF and drop folders of the cameras that have them (watchEvents)
 *   motion <camera>   the motion source of a camera with neither
 *   upload            the outbox-backed Uploader (events are written to the outbox as they arrive, so nothing is lost
 *                     while it restarts)
 *   analyze           the durable analysis queue (AnalysisQueue: detector, tags, alerts) of every stored clip, and live
 *                     analysis from each event's start (startLiveAnalysis, as `cctv analyze`)
 *   serve             the web app, with /healthz, /readyz and /metrics reporting these stages
 *   prune             the retention policy at start and every `pruneEveryMs`
 */
export async function runService(o: ServiceOptions): Promise<void> {
  const { config, db, signal } = o;
  const cameras = selectCameras(config, undefined);
  const storage = storageFromConfig(config);
  let supervisor: Supervisor | undefined;
  const snapshot = () => supervisor?.snapshot() ?? [];
  const metrics = new Metrics({ db, dataDir: config.dataDir, cameras: cameras.map((c) => c.name), stages: snapshot });
  const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

  const alerter = createAlerter(db, config, { storage });
  // Live analysis as in `cctv analyze` (alerts while an event goes on); the analyze stage shares its detector thread.
  const live = startLiveAnalysis({ db, config, storage, alerter });
  const analyzer = new Analyzer({ db, config, storage, alerter, ...(live?.detector ? { detector: live.detector } : {}) });
  // The uploader queues each clip's analysis durably (the analyze stage works that queue); handing a clip over here
  // only starts it at once.
  const analysis = new AnalysisQueue({
    db, analyzer,
    emit: (r) => {
      const storedMs = storedAt.get(r.url);
      storedAt.delete(r.url);
      if (r.alert && storedMs !== undefined) metrics.observeAlert(r.camera, storedMs);
      log.info({ camera: r.camera, labels: r.labels.map((l) => `${l.name} ${l.confidence.toFixed(2)}`), alert: r.alert }, 'analyzed');
    },
  });
  /** When each clip of this run was stored (for clip → alert), until its analysis is out. */
  const storedAt = new Map<string, number>();
  const analyze = (u: UploadedRecord) => {
    storedAt.set(u.url, Date.now());
    const started = performance.now();
    void analysis.offer(u).then(
      () => metrics.observeAnalysis(config.detect.detector, (performance.now() - started) / 1000),
      (err: unknown) => log.error({ url: u.url, err: errorMessage(err) }, 'clip not analysed'),
    );
  };
  const uploader = new Uploader({
    db, config, storage,
    emit: (u) => {
      if (u.eventId !== null) metrics.observeClip(u.camera, Date.parse(u.end));
      analyze(u);
    },
  });
  const accept = (record: EventRecord | ClipRecord) => {
    if (record.kind === 'event') {
      log.info({ camera: record.camera, event: record.id, state: record.state }, 'event');
      if (record.state === 'start') metrics.observeEvent(record.camera, record.source);
      live?.live.event(record);
    }
    uploader.accept({ known: true, line: 0, record }, 'events');
  };

  const until = (s: AbortSignal) => new Promise<void>((resolve) => (s.aborted ? resolve() : s.addEventListener('abort', () => resolve(), { once: true })));
  const stages: Stage[] = [];
  const { motion: motionDefaults, ...timing } = config.events;
  const events = { maxEventSeconds: timing.maxEventSeconds, mergeGapSeconds: timing.mergeGapSeconds ?? DEFAULT_MERGE_GAP_SECONDS };
  for (const { name, camera, record } of cameras) {
    const recorder = new CameraRecorder({ camera: name, url: camera.url, record, dataDir: config.dataDir, db, onSegment: () => {} });
    stages.push({
      name: `record ${name}`,
      run: async (s) => {
        await recoverCamera(db, config.dataDir, name);
        await recorder.run(s);
      },
      inner: () => ({
        camera: name,
        recording: recorder.status.state === 'recording',
        restarts: recorder.status.restarts,
        lastError: recorder.status.lastError,
        state: recorder.status.state === 'recording' ? 'running' : recorder.status.state,
      }),
    });
    const motion = resolveMotion(motionDefaults, camera, !camera.onvif && !camera.dropDir);
    if (motion) {
      stages.push({ name: `motion ${name}`, run: (s) => watchMotion({ camera: name, motion, transport: record.transport, recording: { dataDir: config.dataDir, stallSeconds: record.stallSeconds }, signal: s, events, emit: accept }) });
    }
  }
  const watched = Object.fromEntries(cameras.filter((c) => c.camera.onvif || c.camera.dropDir).map((c) => [c.name, c.camera]));
  if (Object.keys(watched).length > 0) {
    // Without events.motion: the motion sources are stages of their own, above.
    stages.push({ name: 'events', run: (s) => watchEvents({ cameras: watched, events: timing, signal: s, emit: accept, seen: seenDropFiles(db), openEvents: (camera) => openEvents(db, { camera }) }) });
  }
  stages.push({ name: 'upload', run: async (s) => { await uploader.run(s, stopped); } });
  stages.push({ name: 'analyze', run: (s) => analysis.run(s, stopped) });
  stages.push({
    name: 'serve',
    run: async (s) => {
      const server = await startServe({
        config, catalog: sqliteEventCatalog(db), host: o.host, port: o.port, storage,
        health: { metrics, readiness: () => readiness(db, snapshot()) },
      });
      o.onListening?.(server.url);
      await until(s);
      await server.close();
    },
  });
  stages.push({
    name: 'prune',
    run: async (s) => {
      while (!s.aborted) {
        const { plan } = survey(db, config);
        const result = await executePlan(db, config, plan, plan.stored.length > 0 ? storage : undefined);
        if (result.errors.length > 0) log.warn({ errors: result.errors.slice(0, 3) }, `prune: ${result.errors.length} deletions failed`);
        await sleep(o.pruneEveryMs ?? HOUR_MS, s);
      }
    },
  });

  // One recorder per camera and data folder, as `cctv record` (a `cctv record` already running refuses `cctv run`).
  const locks = cameras.map(({ name }) => lockCameraRecorder(config.dataDir, name));
  supervisor = new Supervisor(stages, config.record.maxBackoffSeconds);
  o.onStart?.(supervisor);
  try {
    await supervisor.run(signal);
  } finally {
    await live?.close();
    await analyzer.close();
    await alerter.close();
    for (const l of locks) l.release();
  }
}
