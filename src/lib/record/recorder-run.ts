import path from 'node:path';
import type { GapRow, SegmentRow } from '../catalog/segments.js';
import { redactText } from '../redact.js';
import type { ClosedSegment } from './segment.js';
import { parseSegmentList, progressSeconds, segmentWallTimes, StreamClock, type ListEntry } from './supervision.js';

/**
 * A moment seen by the recorder: the wall clock (`wall`, epoch ms: what is written down, e.g. a segment's start) and
 * a monotonic clock (`mono`, ms: every duration — the stall watchdog, the bitrate), so a clock step (NTP) moves
 * the catalogue's times but never looks like a frozen camera.
 */
export interface Instant {
  wall: number;
  mono: number;
}

/** How long connecting to a camera and probing its stream may take before the first frame (slow cameras, a busy host). */
const CONNECT_MS = 10_000;

/**
 * The state of one ffmpeg run of the recorder, and its steps: what ffmpeg said on stderr, a segment opened, a
 * segment closed (its line in the segment list), the growing file's size, the stall watchdog, and why the run
 * ended. No I/O and no clock of its own (every step is given the Instant it happens at), so each step is tested without ffmpeg; the
 * recorder (recorder.ts) does the catalog writes, file reads and process control that the steps ask for.
 */
export class RecorderRun {
  /**
   * Segments opened and not yet closed, in order: the file ffmpeg writes (`written`, numbered, in the run folder),
   * its time-named path (`abs`, what is catalogued) and the wall-clock time ffmpeg opened it.
   */
  private readonly opened: { abs: string; written: string; openedMs: number }[] = [];
  /** Open segments a later list entry overtook (never listed themselves): catalogued from disk at the end of the run. */
  private readonly skipped: string[] = [];
  private started = false;
  /** End of the previous segment of this run: the next one starts there (no false gap when the estimate moves). */
  private prevEndMs: number | null = null;
  private readonly clock = new StreamClock();
  private listOffset = 0;
  private lastSize = 0;
  /** Monotonic. */
  private lastSizeAt: number;
  /**
   * Stall watchdog: ffmpeg reports the stream time it has written about twice a second; when it stops advancing the
   * camera is frozen. (File size is no signal: a static low-bitrate scene can leave the file unchanged for long.)
   */
  private lastProgress = -1;
  /** Monotonic. */
  private lastAdvance: number;
  private stalled = false;
  private lastError = '';
  /** The end of the camera's last catalogued segment (where a gap starts). */
  private lastEndMs: number | null;

  constructor(
    private readonly o: {
      camera: string;
      dataDir: string;
      /** The segment list ffmpeg writes (its own "Opening" line for it is not a segment). */
      listFile: string;
      /** Why the camera was not recorded since `lastEndMs` (null: no gap to catalogue, e.g. the first run ever). */
      gapReason: string | null;
      lastEndMs: number | null;
      stallSeconds: number;
      /** When the run starts (monotonic). */
      mono: number;
    },
  ) {
    this.lastSizeAt = o.mono;
    this.lastAdvance = o.mono;
    this.lastEndMs = o.lastEndMs;
  }

  /** One line of ffmpeg's stderr: progress (the stream clock), a segment opened (the file it writes), or an error worth keeping. */
  stderrLine(line: string, at: Instant): { opened: string } | null {
    const progress = progressSeconds(line);
    if (progress !== null) {
      this.clock.observe(at.wall, progress);
      if (progress > this.lastProgress) {
        this.lastProgress = progress;
        this.lastAdvance = at.mono;
      }
      return null;
    }
    const m = /Opening '(.+)' for writing/.exec(line);
    if (m && m[1] !== this.o.listFile) return { opened: path.resolve(m[1]!) };
    if (/error|refused|timed out|not found|unauthorized|invalid/i.test(line)) this.lastError = redactText(line.trim());
    return null;
  }

  /**
   * ffmpeg opened segment `written`, linked to its time-named path `final`: its catalog row (open, growing from
   * now), and on the run's first segment the gap since the camera's last recording.
   */
  segmentOpened(files: { written: string; final: string }, at: Instant): { row: SegmentRow; first: boolean; gap: GapRow | null } {
    const abs = files.final;
    const now = at.wall;
    const first = !this.started;
    let gap: GapRow | null = null;
    if (first) {
      this.started = true;
      const { gapReason, camera } = this.o;
      if (gapReason !== null && this.lastEndMs !== null && now > this.lastEndMs) gap = { camera, fromMs: this.lastEndMs, toMs: now, reason: gapReason };
    }
    this.opened.push({ abs, written: files.written, openedMs: now });
    this.lastSize = 0;
    this.lastSizeAt = at.mono;
    return { row: { camera: this.o.camera, path: this.rel(abs), startMs: now, endMs: now, bytes: 0, closed: false }, first, gap };
  }

  /** The closed segments listed in the segment list since the last call (`text`: the whole list so far). */
  listed(text: string): ListEntry[] {
    const { entries, consumed } = parseSegmentList(text, this.listOffset);
    this.listOffset = consumed;
    return entries;
  }

  /**
   * The segment list names an open segment closed (normally the oldest): its wall-clock times (from the stream clock)
   * and its row. `bytesOf` gives the file's size. An entry naming no open segment is out of step (logged by the caller)
   * and changes nothing; open segments older than the one named were never listed: they wait for the end of the run,
   * which catalogues them from disk (unlisted). One odd entry never puts every later one out of step.
   */
  segmentClosed(entry: ListEntry, bytesOf: (abs: string) => number): ClosedSegment | { outOfStep: { entry: string; expected: string | undefined } } {
    const i = this.opened.findIndex((o) => path.basename(o.written) === entry.name);
    if (i < 0) return { outOfStep: { entry: entry.name, expected: this.opened[0] && path.basename(this.opened[0].written) } };
    this.skipped.push(...this.opened.splice(0, i).map((o) => o.abs));
    const head = this.opened.shift()!;
    this.clock.observe(head.openedMs, entry.start);
    const { startMs, endMs } = segmentWallTimes(entry, this.clock.offsetMs()!, this.prevEndMs);
    this.prevEndMs = endMs;
    this.lastEndMs = endMs;
    return { camera: this.o.camera, path: this.rel(head.abs), startMs, endMs, bytes: bytesOf(head.abs), closed: true, durationSeconds: entry.end - entry.start };
  }

  /** The segment being written (absolute path), if any. */
  get current(): string | undefined {
    return this.opened[this.opened.length - 1]?.abs;
  }

  /**
   * The size of the segment being written, looked at now: when it grew, the bitrate since the last growth and where
   * its catalogued end moves to (once the stream clock is known); null when it did not grow.
   */
  sizeSeen(size: number, mono: number): { bitrateKbps: number; grow: { path: string; endMs: number; bytes: number } | null } | null {
    if (size <= this.lastSize) return null;
    const bitrateKbps = Math.round(((size - this.lastSize) * 8) / Math.max(1, mono - this.lastSizeAt));
    this.lastSize = size;
    this.lastSizeAt = mono;
    const offset = this.clock.offsetMs();
    const current = this.current;
    const grow = current && offset !== null && this.lastProgress >= 0
      ? { path: this.rel(current), endMs: Math.round(offset + this.lastProgress * 1000), bytes: size }
      : null;
    return { bitrateKbps, grow };
  }

  /**
   * True once (the moment ffmpeg is to be restarted) when the stream time has not advanced for stallSeconds; before
   * the first frame, connecting and probing the stream get CONNECT_MS more (a camera that sends nothing at all meets
   * ffmpeg's own 5 s socket timeout first).
   */
  stallCheck(mono: number): boolean {
    const limit = this.o.stallSeconds * 1000 + (this.lastProgress < 0 ? CONNECT_MS : 0);
    if (this.stalled || mono - this.lastAdvance <= limit) return false;
    this.stalled = true;
    return true;
  }

  /** Segments ffmpeg opened but never listed (it was killed or crashed), oldest first; they leave the run's state. */
  unlisted(): string[] {
    return [...this.skipped.splice(0), ...this.opened.splice(0).map((o) => o.abs)];
  }

  /** A segment of this run was catalogued some other way (found on disk): it ends at `endMs`. */
  catalogued(endMs: number): void {
    this.lastEndMs = endMs;
  }

  /** Why the run ended, for the log, the status and the next gap's reason. */
  outcome(exit: { code: number | null; signal: string | null }): string {
    if (this.stalled) return `stalled: no new frames for ${this.o.stallSeconds}s`;
    const detail = this.lastError || 'stream ended';
    return exit.signal ? `ffmpeg killed by ${exit.signal}` : `ffmpeg exited with code ${exit.code}: ${detail}`;
  }

  private rel(abs: string): string {
    return path.relative(this.o.dataDir, abs);
  }
}
