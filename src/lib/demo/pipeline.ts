import PQueue from 'p-queue';
import { createAlerter } from '../alerts/index.js';
import { Analyzer } from '../analyze/analyzer.js';
import type { Db } from '../catalog/db.js';
import { seenDropFiles } from '../catalog/drop-files.js';
import { lockCameraRecorder } from '../catalog/locks.js';
import { sqliteEventCatalog } from '../catalog/sqlite-event-catalog.js';
import { selectCameras } from '../config/cameras.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { DEFAULT_MERGE_GAP_SECONDS, watchEvents } from '../events/watch.js';
import { log } from '../log.js';
import { resolveMotion } from '../motion/config.js';
import { watchMotion } from '../motion/source.js';
import type { ClipRecord, EventRecord, UploadedRecord } from '../pipeline/records.js';
import { CameraRecorder } from '../record/recorder.js';
import { recoverCamera } from '../record/recover.js';
import { startServe } from '../serve/index.js';
import { storageFromConfig } from '../storage/index.js';
import { Uploader } from '../upload/uploader.js';

export interface PipelineOptions {
  config: Config;
  db: Db;
  /** Stops everything; runPipeline resolves once recorders have finalised their segments and work in flight ended. */
  signal: AbortSignal;
  host: string;
  port: number;
  onListening?(url: string): void;
}

/**
 * The whole pipeline in one process, through the same library functions as the commands: record every enabled
 * camera → events (ONVIF / drop folders where configured, and the motion source where enabled or where there is no
 * other source) → upload (the outbox-backed
 * Uploader) → analyze (Analyzer: detector, catalog, alerts) → serve.
 */
export async function runPipeline(o: PipelineOptions): Promise<void> {
  const { config, db, signal } = o;
  const cameras = selectCameras(config, undefined);
  const storage = storageFromConfig(config);
  const server = await startServe({ config, catalog: sqliteEventCatalog(db), host: o.host, port: o.port, storage });
  o.onListening?.(server.url);

  const alerter = createAlerter(db, config);
  const analyzer = new Analyzer({ db, config, storage, alerter });
  const analysis = new PQueue({ concurrency: 1 });
  const analyze = (u: UploadedRecord) =>
    void analysis.add(async () => {
      try {
        const r = await analyzer.analyze(u);
        log.info({ camera: r.camera, labels: r.labels.map((l) => `${l.name} ${l.confidence.toFixed(2)}`), alert: r.alert }, 'analyzed');
      } catch (err) {
        log.error({ url: u.url, err: errorMessage(err) }, 'clip not analysed');
      }
    });
  const uploader = new Uploader({ db, config, storage, emit: analyze });
  const accept = (record: EventRecord | ClipRecord) => {
    if (record.kind === 'event') log.info({ camera: record.camera, event: record.id, state: record.state }, 'event');
    uploader.accept({ known: true, line: 0, record }, 'events');
  };
  const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

  // One recorder per camera and data folder, as `cctv record` (a `cctv record` already running refuses the demo).
  const locks = cameras.map(({ name }) => lockCameraRecorder(config.dataDir, name));
  const runs: Promise<void>[] = [uploader.run(signal, stopped)];
  const { motion: motionDefaults, ...timing } = config.events;
  const events = { maxEventSeconds: timing.maxEventSeconds, mergeGapSeconds: timing.mergeGapSeconds ?? DEFAULT_MERGE_GAP_SECONDS };
  for (const { name, camera, record } of cameras) {
    await recoverCamera(db, config.dataDir, name);
    runs.push(new CameraRecorder({ camera: name, url: camera.url, record, dataDir: config.dataDir, db, onSegment: () => {} }).run(signal));
    const motion = resolveMotion(motionDefaults, camera, !camera.onvif && !camera.dropDir);
    if (motion) runs.push(watchMotion({ camera: name, motion, transport: record.transport, signal, events, emit: accept }));
  }
  const watched = Object.fromEntries(cameras.filter((c) => c.camera.onvif || c.camera.dropDir).map((c) => [c.name, c.camera]));
  if (Object.keys(watched).length > 0) {
    // Without events.motion: the motion sources run above, once per camera.
    runs.push(watchEvents({ cameras: watched, events: timing, signal, emit: accept, seen: seenDropFiles(db) }));
  }
  try {
    await Promise.all(runs);
    await analysis.onIdle();
  } finally {
    await analyzer.close();
    await alerter.close();
    await server.close();
    for (const l of locks) l.release();
  }
}
