import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecordConfig } from '../config/schema.js';
import type { Db } from '../catalog/db.js';
import { addGap, growSegment, lastSegment, upsertSegment } from '../catalog/segments.js';
import { recordArgs } from '../ffmpeg/args.js';
import { startFfmpeg } from '../ffmpeg/run.js';
import { log } from '../log.js';
import { restartBackoff, sleep } from '../wait.js';
import { cameraDir, dayDir, outputPattern } from './paths.js';
import { catalogueFile } from './recover.js';
import type { ClosedSegment } from './segment.js';
import { RecorderRun } from './recorder-run.js';

export type RecorderState = 'starting' | 'recording' | 'waiting' | 'stopped';

export interface RecorderStatus {
  camera: string;
  state: RecorderState;
  /** The segment being written (relative to dataDir). */
  segment: string | null;
  bitrateKbps: number;
  /** When the current ffmpeg run started recording. */
  since: number | null;
  restarts: number;
  lastError: string | null;
  lastSegmentEnd: number | null;
}

export interface RecorderOptions {
  camera: string;
  url: string;
  record: RecordConfig;
  dataDir: string;
  db: Db;
  onSegment: (segment: ClosedSegment) => void | Promise<void>;
  /** How often the segment list and the file size are checked. */
  pollMs?: number;
}

/**
 * Records one camera until `signal` aborts: one ffmpeg at a time (`-c copy`, segment muxer), restarted on every
 * exit with capped exponential backoff, killed and restarted by a watchdog when the segment stops growing.
 * Every closed segment is catalogued and handed to `onSegment`; every outage is catalogued as a gap.
 */
export class CameraRecorder {
  readonly status: RecorderStatus;
  private readonly pollMs: number;

  constructor(private readonly o: RecorderOptions) {
    this.pollMs = o.pollMs ?? 500;
    this.status = {
      camera: o.camera, state: 'starting', segment: null, bitrateKbps: 0, since: null, restarts: 0, lastError: null,
      lastSegmentEnd: lastSegment(o.db, o.camera)?.endMs ?? null,
    };
  }

  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let gapReason: string | null = this.status.lastSegmentEnd !== null ? 'recorder not running' : null;
    while (!signal.aborted) {
      const started = Date.now();
      // A failure here (disk full, permissions) is this camera's problem only: report it and retry.
      const outcome = await this.runOnce(signal, gapReason).catch((err: Error) => `recorder error: ${err.message}`);
      this.status.state = 'stopped';
      this.status.segment = null;
      if (signal.aborted) break;
      gapReason = outcome;
      this.status.lastError = outcome;
      this.status.restarts++;
      const wait = restartBackoff(failures, Date.now() - started, this.o.record.maxBackoffSeconds);
      failures = wait.failures;
      this.status.state = 'waiting';
      log.warn({ camera: this.o.camera, retryInSeconds: wait.seconds }, `recording stopped: ${outcome}`);
      await sleep(wait.seconds * 1000, signal);
    }
    this.status.state = 'stopped';
  }

  /** One ffmpeg run (its state and steps: RecorderRun). Resolves with the reason it ended. */
  private async runOnce(signal: AbortSignal, gapReason: string | null): Promise<string> {
    const { camera, dataDir, record, db } = this.o;
    const dir = cameraDir(dataDir, camera);
    const listFile = path.join(dir, '.segments.csv');
    mkdirSync(dir, { recursive: true });
    rmSync(listFile, { force: true });
    ensureDayDirs(dataDir, camera);
    const run = new RecorderRun({
      camera, dataDir, listFile, gapReason, lastEndMs: this.status.lastSegmentEnd, stallSeconds: record.stallSeconds, now: Date.now(),
    });

    const closed = async (seg: ClosedSegment) => {
      this.status.lastSegmentEnd = seg.endMs;
      await this.o.onSegment(seg);
    };
    const readList = async () => {
      let text: string;
      try {
        text = readFileSync(listFile, 'utf8');
      } catch {
        return;
      }
      for (const entry of run.listed(text)) {
        const seg = run.segmentClosed(entry, (abs) => statSync(abs, { throwIfNoEntry: false })?.size ?? 0);
        if ('outOfStep' in seg) {
          log.error({ camera, ...seg.outOfStep }, 'segment list out of step');
          continue;
        }
        upsertSegment(db, seg);
        await closed(seg);
      }
    };

    const ff = startFfmpeg({
      args: recordArgs({
        url: this.o.url, transport: record.transport, segmentSeconds: record.segmentSeconds, format: record.format,
        outputPattern: outputPattern(dataDir, camera, record.format), segmentList: listFile, timeoutSeconds: 5,
      }),
      onStderr: (line) => {
        const now = Date.now();
        const said = run.stderrLine(line, now);
        if (!said) return;
        const { row, first, gap } = run.segmentOpened(said.opened, now);
        if (gap) addGap(db, gap);
        if (first) {
          this.status.since = now;
          log.info({ camera }, 'recording');
        }
        this.status.state = 'recording';
        this.status.segment = row.path;
        upsertSegment(db, row);
      },
    });
    const onAbort = () => ff.stop();
    signal.addEventListener('abort', onAbort, { once: true });

    // The poll loop: closed segments, day folders, bitrate, stall watchdog.
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await sleep(this.pollMs);
        await readList();
        ensureDayDirs(dataDir, camera);
        const now = Date.now();
        const current = run.current;
        const grew = run.sizeSeen(current ? (statSync(current, { throwIfNoEntry: false })?.size ?? 0) : 0, now);
        if (grew) {
          this.status.bitrateKbps = grew.bitrateKbps;
          // The open segment's end grows in the catalog, so upload and serve see how far it reaches.
          if (grew.grow) growSegment(db, grew.grow.path, grew.grow.endMs, grew.grow.bytes);
        }
        if (run.stallCheck(now)) {
          log.warn({ camera, seconds: record.stallSeconds }, 'no new frames: restarting ffmpeg');
          // A frozen input blocks ffmpeg in a read, so SIGINT alone may wait for the socket timeout.
          ff.stop();
          setTimeout(() => ff.stop(true), 2000).unref();
        }
      }
    })();

    const exit = await ff.done;
    signal.removeEventListener('abort', onAbort);
    polling = false;
    await poller;
    await readList();
    // Segments ffmpeg opened but never listed (killed, crashed): catalogue what is on disk.
    for (const abs of run.unlisted()) {
      const seg = await catalogueFile(db, dataDir, camera, abs);
      if (seg) {
        run.catalogued(seg.endMs);
        await closed(seg);
      }
    }
    return run.outcome(exit);
  }
}

/** ffmpeg's strftime does not create folders: keep today's and tomorrow's ready. */
function ensureDayDirs(dataDir: string, camera: string): void {
  const now = new Date();
  mkdirSync(dayDir(dataDir, camera, now), { recursive: true });
  mkdirSync(dayDir(dataDir, camera, new Date(now.getTime() + 86_400_000)), { recursive: true });
}
