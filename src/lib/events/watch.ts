import { setMaxListeners } from 'node:events';
import type { OpenEvent } from '../catalog/events.js';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { resolveMotion, type CameraMotion, type MotionDefaults } from '../motion/config.js';
import { watchMotion, type MotionTiming } from '../motion/source.js';
import type { ClipRecord, EventRecord } from '../pipeline/records.js';
import { watchDropDir, type DropDirTiming, type SeenFiles } from './drop-dir.js';
import { checkOnvifConfig, watchOnvifCamera, type OnvifCameraConfig, type OnvifTiming, type SourceState } from './onvif.js';
import { orphanEndMs, orphanEndRecord } from './orphans.js';
import { EventTracker } from './tracker.js';

/** `cameras.<name>` of the config, as far as event sources care. */
export interface EventCameraConfig {
  url: string;
  onvif?: OnvifCameraConfig;
  dropDir?: string;
  subUrl?: string;
  motion?: CameraMotion;
  /** RTSP transport of the motion decoder (the camera's record.transport). */
  transport?: 'tcp' | 'udp';
  /** Where the camera is recorded on this machine, for the motion source's `input: recording | auto` (motion/source.ts). */
  recording?: { dataDir: string; stallSeconds: number };
}

export interface WatchEventsOptions {
  cameras: Record<string, EventCameraConfig>;
  events: { maxEventSeconds: number; mergeGapSeconds?: number; motion?: MotionDefaults };
  /** Stops every source; `watchEvents` resolves once they have unsubscribed and open events are closed. */
  signal: AbortSignal;
  /**
   * Receives the records in order (one chain for the whole process) and resolves once each is written. Sources
   * wait for their records (an ONVIF camera is not pulled again, a drop-folder file is not marked seen before), so
   * a slow reader holds the sources and nothing piles up in memory. A rejection (stdout closed) stops every source
   * and makes `watchEvents` reject with it.
   */
  emit(record: EventRecord | ClipRecord): void | Promise<void>;
  /**
   * The events of `camera` from an ONVIF source still open in the catalog (catalog/events.ts openEvents): the
   * watcher that started them is gone (this one just started, with no memory of them), so their ends are written
   * now, as orphans (events/orphans.ts).
   */
  openEvents?(camera: string): OpenEvent[];
  seen: SeenFiles;
  onvif?: Partial<OnvifTiming>;
  dropDir?: Partial<DropDirTiming>;
  motion?: Partial<MotionTiming>;
  /** Source state changes (also logged): for tests, benchmarks and status displays. */
  onState?(camera: string, source: 'onvif' | 'dir' | 'motion', state: SourceState, detail?: string): void;
}

/** Default `events.mergeGapSeconds`: an end followed by a start within this continues the same event. */
export const DEFAULT_MERGE_GAP_SECONDS = 5;

/**
 * Run the ONVIF, drop-folder and software motion sources of `cameras` until `signal` aborts (or `emit` fails).
 * Cameras with none of `onvif`, `dropDir` or motion enabled are skipped; a UserError when none is left, or when a
 * `topics:` list names an unknown label. One camera failing (offline, wrong password) never stops the others.
 */
export async function watchEvents(opts: WatchEventsOptions): Promise<void> {
  const motion = Object.fromEntries(
    Object.entries(opts.cameras).map(([n, c]) => [n, opts.events.motion ? resolveMotion(opts.events.motion, c) : null]),
  );
  const names = Object.keys(opts.cameras).filter((n) => opts.cameras[n]!.onvif || opts.cameras[n]!.dropDir || motion[n]);
  if (names.length === 0) {
    throw new UserError('no camera has cameras.<name>.onvif, cameras.<name>.dropDir or cameras.<name>.motion.enabled configured: nothing to watch');
  }
  for (const name of names) checkOnvifConfig(name, opts.cameras[name]!.onvif ?? {});

  const stop = new AbortController();
  // Every source waits on this signal (a pending request, a backoff sleep): a few listeners per camera, all removed.
  setMaxListeners(0, stop.signal);
  const onOuterAbort = () => stop.abort();
  opts.signal.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal.aborted) stop.abort();
  let failure: unknown;
  let chain: Promise<unknown> = Promise.resolve();
  /** Queues a record behind the others; resolves once it is written, rejects when it was not (then all stops). */
  const emit = (record: EventRecord | ClipRecord): Promise<void> => {
    const written = chain.then(() => {
      if (failure !== undefined) throw failure;
      return opts.emit(record);
    });
    chain = written.catch((err: unknown) => {
      failure ??= err;
      stop.abort();
    });
    return written;
  };
  /** emit, for sources that only wait (the failure is handled once, above). */
  const emitQuietly = (record: EventRecord | ClipRecord): Promise<void> => emit(record).catch(() => {});

  const maxEventMs = opts.events.maxEventSeconds * 1000;
  const mergeGapMs = (opts.events.mergeGapSeconds ?? DEFAULT_MERGE_GAP_SECONDS) * 1000;
  const runs: Promise<void>[] = [];
  for (const camera of names) {
    const cfg = opts.cameras[camera]!;
    if (cfg.onvif) runs.push(runOnvif(camera, cfg.onvif));
    if (cfg.dropDir) {
      runs.push(
        watchDropDir({
          camera,
          dir: cfg.dropDir,
          signal: stop.signal,
          seen: opts.seen,
          emit,
          timing: opts.dropDir,
          onState: (s, d) => opts.onState?.(camera, 'dir', s, d),
        }),
      );
    }
    const m = motion[camera];
    if (m) {
      runs.push(
        watchMotion({
          camera,
          motion: m,
          transport: cfg.transport,
          recording: cfg.recording,
          events: { maxEventSeconds: opts.events.maxEventSeconds, mergeGapSeconds: mergeGapMs / 1000 },
          signal: stop.signal,
          emit,
          timing: opts.motion,
          onState: (s, d) => opts.onState?.(camera, 'motion', s, d),
        }),
      );
    }
  }
  log.info({ cameras: names }, `watching events of ${names.length} camera(s)`);
  await Promise.all(runs);
  opts.signal.removeEventListener('abort', onOuterAbort);
  await chain;
  if (failure !== undefined) throw failure;

  /** One camera's ONVIF source feeding its tracker, with a timer for merge-gap and max-duration closes. */
  async function runOnvif(camera: string, config: OnvifCameraConfig): Promise<void> {
    const tracker = new EventTracker({ camera, maxEventMs, mergeGapMs });
    const now = Date.now();
    for (const e of opts.openEvents?.(camera).filter((o) => o.source === 'onvif') ?? []) {
      log.warn({ camera, event: e.id, start: new Date(e.startMs).toISOString() }, 'an event of the previous watcher never ended: closed as orphaned');
      await emitQuietly(orphanEndRecord(e, orphanEndMs(e, maxEventMs, now)));
    }
    let timer: NodeJS.Timeout | undefined;
    const schedule = () => {
      clearTimeout(timer);
      const due = tracker.nextDeadline();
      if (due) timer = setTimeout(() => {
        tracker.tick(new Date()).forEach((r) => void emitQuietly(r));
        schedule();
      }, Math.max(0, due.getTime() - Date.now()));
    };
    await watchOnvifCamera({
      camera,
      config,
      signal: stop.signal,
      timing: opts.onvif,
      onState: (s, d) => opts.onState?.(camera, 'onvif', s, d),
      onObservation: async (obs) => {
        const records = tracker.observe(obs);
        schedule();
        for (const r of records) await emitQuietly(r);
      },
    });
    clearTimeout(timer);
    tracker.stop(new Date()).forEach((r) => void emitQuietly(r));
  }
}
