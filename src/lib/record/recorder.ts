import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecordConfig } from '../config/schema.js';
import type { Db } from '../catalog/db.js';
import { addGap, growSegment, lastSegment, upsertSegment } from '../catalog/segments.js';
import { recordArgs } from '../ffmpeg/args.js';
import { startFfmpeg } from '../ffmpeg/run.js';
import { log } from '../log.js';
import { redactText } from '../redact.js';
import { sleep } from '../wait.js';
import { cameraDir, dayDir, outputPattern } from './paths.js';
import { catalogueFile } from './recover.js';
import type { ClosedSegment } from './segment.js';
import { parseSegmentList, restartBackoff, progressSeconds, segmentWallTimes, StreamClock, type ListEntry } from './supervision.js';

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

  /** One ffmpeg run. Resolves with the reason it ended. */
  private async runOnce(signal: AbortSignal, gapReason: string | null): Promise<string> {
    const { camera, dataDir, record, db } = this.o;
    const dir = cameraDir(dataDir, camera);
    const listFile = path.join(dir, '.segments.csv');
    mkdirSync(dir, { recursive: true });
    rmSync(listFile, { force: true });
    ensureDayDirs(dataDir, camera);

    // Segments opened and not yet closed, in order, with the wall-clock time ffmpeg opened each.
    const opened: { abs: string; openedMs: number }[] = [];
    let runStarted = false;
    let prevEndMs: number | null = null; // end of the previous segment of this run: the next one starts there
    const clock = new StreamClock();
    let listOffset = 0;
    let lastSize = 0;
    let lastSizeAt = Date.now();
    // Stall watchdog: ffmpeg reports the stream time it has written about twice a second; when it stops advancing
    // the camera is frozen. (File size is no signal: a static low-bitrate scene can leave the file unchanged for long.)
    let lastProgress = -1;
    let lastAdvance = Date.now();
    let stalled = false;
    let lastStderr = '';
    let lastEnd = this.status.lastSegmentEnd;

    const rel = (abs: string) => path.relative(dataDir, abs);
    const openSegment = (abs: string) => {
      const now = Date.now();
      if (!runStarted) {
        runStarted = true;
        if (gapReason !== null && lastEnd !== null && now > lastEnd) {
          addGap(db, { camera, fromMs: lastEnd, toMs: now, reason: gapReason });
        }
        this.status.since = now;
        log.info({ camera }, 'recording');
      }
      opened.push({ abs, openedMs: now });
      this.status.state = 'recording';
      this.status.segment = rel(abs);
      lastSize = 0;
      lastSizeAt = now;
      upsertSegment(db, { camera, path: rel(abs), startMs: now, endMs: now, bytes: 0, closed: false });
    };
    const closeSegment = async (entry: ListEntry) => {
      const head = opened.shift();
      if (!head || path.basename(head.abs) !== entry.name) {
        log.error({ camera, entry: entry.name, expected: head && path.basename(head.abs) }, 'segment list out of step');
        return;
      }
      clock.observe(head.openedMs, entry.start);
      const { startMs, endMs } = segmentWallTimes(entry, clock.offsetMs()!, prevEndMs);
      prevEndMs = endMs;
      const bytes = statSync(head.abs, { throwIfNoEntry: false })?.size ?? 0;
      const seg: ClosedSegment = { camera, path: rel(head.abs), startMs, endMs, bytes, closed: true, durationSeconds: entry.end - entry.start };
      upsertSegment(db, seg);
      lastEnd = endMs;
      this.status.lastSegmentEnd = endMs;
      await this.o.onSegment(seg);
    };
    const readList = async () => {
      let text: string;
      try {
        text = readFileSync(listFile, 'utf8');
      } catch {
        return;
      }
      const { entries, consumed } = parseSegmentList(text, listOffset);
      listOffset = consumed;
      for (const e of entries) await closeSegment(e);
    };

    const ff = startFfmpeg({
      args: recordArgs({
        url: this.o.url, transport: record.transport, segmentSeconds: record.segmentSeconds, format: record.format,
        outputPattern: outputPattern(dataDir, camera, record.format), segmentList: listFile, timeoutSeconds: 5,
      }),
      onStderr: (line) => {
        const progress = progressSeconds(line);
        if (progress !== null) {
          const now = Date.now();
          clock.observe(now, progress);
          if (progress > lastProgress) {
            lastProgress = progress;
            lastAdvance = now;
          }
          return;
        }
        const m = /Opening '(.+)' for writing/.exec(line);
        if (m && m[1] !== listFile) openSegment(path.resolve(m[1]!));
        else if (/error|refused|timed out|not found|unauthorized|invalid/i.test(line)) lastStderr = redactText(line.trim());
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
        const current = opened[opened.length - 1]?.abs;
        const size = current ? (statSync(current, { throwIfNoEntry: false })?.size ?? 0) : 0;
        if (size > lastSize) {
          this.status.bitrateKbps = Math.round(((size - lastSize) * 8) / Math.max(1, now - lastSizeAt));
          lastSize = size;
          lastSizeAt = now;
          // The open segment's end grows in the catalog, so upload and serve see how far it reaches.
          const offset = clock.offsetMs();
          if (current && offset !== null && lastProgress >= 0) {
            growSegment(db, rel(current), Math.round(offset + lastProgress * 1000), size);
          }
        }
        if (!stalled && now - lastAdvance > record.stallSeconds * 1000) {
          stalled = true;
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
    for (const { abs } of opened.splice(0)) {
      const seg = await catalogueFile(db, dataDir, camera, abs);
      if (seg) {
        lastEnd = seg.endMs;
        this.status.lastSegmentEnd = seg.endMs;
        await this.o.onSegment(seg);
      }
    }
    if (stalled) return `stalled: no new frames for ${record.stallSeconds}s`;
    const detail = lastStderr || 'stream ended';
    return exit.signal ? `ffmpeg killed by ${exit.signal}` : `ffmpeg exited with code ${exit.code}: ${detail}`;
  }
}

/** ffmpeg's strftime does not create folders: keep today's and tomorrow's ready. */
function ensureDayDirs(dataDir: string, camera: string): void {
  const now = new Date();
  mkdirSync(dayDir(dataDir, camera, now), { recursive: true });
  mkdirSync(dayDir(dataDir, camera, new Date(now.getTime() + 86_400_000)), { recursive: true });
}
