import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecordConfig } from '../config/schema.js';
import type { Db } from '../catalog/db.js';
import { writeNow, type WriteCatalog } from '../catalog/write-queue.js';
import { addGap, growSegment, lastSegment, upsertSegment } from '../catalog/segments.js';
import { recordArgs } from '../ffmpeg/args.js';
import { startFfmpeg } from '../ffmpeg/run.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { monotonicMs } from '../time.js';
import { restartBackoff, sleep } from '../wait.js';
import { nameSegment, runDir, runPattern } from './paths.js';
import { adoptRunFolder, catalogueFile } from './recover.js';
import type { ClosedSegment } from './segment.js';
import { RecorderRun, type Instant } from './recorder-run.js';

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
  /** Where catalog writes go (record: one CatalogWriteQueue for all cameras); default: at once. */
  write?: WriteCatalog;
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
      const started = monotonicMs();
      // A failure here (disk full, permissions) is this camera's problem only: report it and retry.
      const outcome = await this.runOnce(signal, gapReason).catch((err: Error) => `recorder error: ${err.message}`);
      this.status.state = 'stopped';
      this.status.segment = null;
      if (signal.aborted) break;
      gapReason = outcome;
      this.status.lastError = outcome;
      this.status.restarts++;
      const wait = restartBackoff(failures, monotonicMs() - started, this.o.record.maxBackoffSeconds);
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
    const write = this.o.write ?? writeNow;
    // ffmpeg writes numbered files in this run's own folder; each is moved to its time-named path when opened.
    const writeDir = runDir(dataDir, camera, `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
    const listFile = path.join(writeDir, 'segments.csv');
    mkdirSync(writeDir, { recursive: true });
    const run = new RecorderRun({
      camera, dataDir, listFile, gapReason, lastEndMs: this.status.lastSegmentEnd, stallSeconds: record.stallSeconds, mono: monotonicMs(),
    });

    const closed = async (seg: ClosedSegment) => {
      this.status.lastSegmentEnd = seg.endMs;
      await this.o.onSegment(seg);
    };
    const readList = async () => {
      await naming;
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
        write(`seg:${seg.path}`, () => upsertSegment(db, seg));
        await closed(seg);
      }
    };

    /** ffmpeg opened `written` at `at`: it is moved to its time-named path and catalogued as open. */
    const segmentOpened = async (written: string, at: Instant) => {
      let final: string | null = null;
      try {
        if (await appeared(written)) final = nameSegment(written, dataDir, camera, at.wall);
      } catch (err) {
        log.error({ camera, err: errorMessage(err) }, 'cannot name the new recording: restarting ffmpeg');
      }
      if (final === null) {
        // Not opened after all, or no name for it (disk full, permissions): the end of the run adopts what was written.
        ff.stop();
        return;
      }
      const { row, first, gap } = run.segmentOpened({ written, final }, at);
      if (gap) write(null, () => addGap(db, gap));
      if (first) {
        this.status.since = at.wall;
        log.info({ camera }, 'recording');
      }
      this.status.state = 'recording';
      this.status.segment = row.path;
      write(`seg:${row.path}`, () => upsertSegment(db, row));
    };
    let naming = Promise.resolve();

    const ff = startFfmpeg({
      args: recordArgs({
        url: this.o.url, transport: record.transport, segmentSeconds: record.segmentSeconds, format: record.format,
        outputPattern: runPattern(writeDir, record.format), segmentList: listFile, timeoutSeconds: 5,
      }),
      onStderr: (line) => {
        const at = { wall: Date.now(), mono: monotonicMs() };
        const said = run.stderrLine(line, at);
        // In order, one at a time: the segment list is read only once the segments before it are named.
        if (said) naming = naming.then(() => segmentOpened(said.opened, at));
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
        const mono = monotonicMs();
        const current = run.current;
        const grew = run.sizeSeen(current ? (statSync(current, { throwIfNoEntry: false })?.size ?? 0) : 0, mono);
        if (grew) {
          this.status.bitrateKbps = grew.bitrateKbps;
          // The open segment's end grows in the catalog, so upload and serve see how far it reaches.
          const g = grew.grow;
          if (g) write(`grow:${g.path}`, () => growSegment(db, g.path, g.endMs, g.bytes));
        }
        if (run.stallCheck(mono)) {
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
    // And files left with their numbered name (the run ended before it was moved): they get their time-named path now.
    for (const abs of [...run.unlisted(), ...adoptRunFolder(writeDir, dataDir, camera)]) {
      const seg = await catalogueFile(db, dataDir, camera, abs, write);
      if (seg) {
        run.catalogued(seg.endMs);
        await closed(seg);
      }
    }
    return run.outcome(exit);
  }
}

/** ffmpeg logs "Opening … for writing" just before it opens the file: true once it is there (false after 5 s). */
async function appeared(file: string): Promise<boolean> {
  const since = monotonicMs();
  while (!existsSync(file)) {
    if (monotonicMs() - since > 5000) return false;
    await sleep(5);
  }
  return true;
}
