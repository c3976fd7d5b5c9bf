import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { SourceState } from '../events/onvif.js';
import { EventTracker } from '../events/tracker.js';
import { motionDecodeArgs } from '../ffmpeg/motion.js';
import { startFfmpeg, type LongRunning } from '../ffmpeg/run.js';
import { log } from '../log.js';
import type { EventRecord } from '../pipeline/records.js';
import { redactText } from '../redact.js';
import { restartBackoff, sleep } from '../wait.js';
import type { ResolvedMotion } from './config.js';
import { MOTION_HEIGHT, MOTION_WIDTH, MotionDetector, type MotionSample } from './detector.js';
import { chooseInput, followCommand, newestRecording, recordingCut, segmentFormat, type Cut, type SegmentFile } from './recording.js';

/**
 * The software motion source of one camera: one ffmpeg decodes the stream (the sub stream, or keyframes of the main
 * stream) into small grey pictures; Node keeps `samplesPerSecond` of them, runs the MotionDetector and feeds "motion
 * on/off" to the same EventTracker as ONVIF, so `event` records (source `motion`, labels `["motion"]`) start, merge
 * and end by the same rules. Supervised like the recorder: ffmpeg is restarted after every exit and whenever no
 * picture arrived for `stallSeconds`, with the recorder's backoff (wait.ts restartBackoff: 1 s doubling to `maxBackoffSeconds`).
 *
 * With `input: recording` (or `auto` while the camera is being recorded on this machine) ffmpeg reads the recorder's
 * growing segment on stdin instead of the camera: the source starts near its end (recording.ts recordingCut), `tail -f`
 * hands ffmpeg what is added as it is written (ffmpeg's own `-follow 1` polls every millisecond at the end of the
 * file: a few % of a core; Node copying it costs ~1 ms per wake-up here), and moves to the next segment from its start
 * when the current one stops growing and a newer one exists (one ffmpeg per segment; the detector and the open event
 * carry over). When the recording stops (no picture for
 * stallSeconds), `auto` falls back to the stream and goes back to the recording once it is written again (checked every
 * `recheckSeconds`); `recording` waits for it.
 */
export interface MotionTiming {
  stallSeconds: number;
  maxBackoffSeconds: number;
  /** ffmpeg's socket timeout. */
  timeoutSeconds: number;
  /** How often Node looks whether the recording's segment still grows (a new one is then followed up to this much later). */
  checkMs: number;
  /** How often `auto` on the stream looks whether the recording is being written again. */
  recheckSeconds: number;
}

export const DEFAULT_MOTION_TIMING: MotionTiming = { stallSeconds: 20, maxBackoffSeconds: 30, timeoutSeconds: 5, checkMs: 2000, recheckSeconds: 30 };

/**
 * How far back from the end of a growing segment the follower looks for a place to start: it starts at the last one
 * found, so this only has to hold one (a Matroska cluster is 0.2 s; an MP4 fragment one keyframe interval: 4 s at 8 Mbit/s is 4 MB).
 */
const TAIL_BYTES = 8 << 20;
/** The start of a segment read for its header (Matroska and MP4 headers are a few KB). */
const HEAD_BYTES = 256 << 10;
/** How often `input: recording` looks for a recording being written while there is none. */
const WAIT_FOR_RECORDING_MS = 2000;

/** The first picture may take this much longer than stallSeconds (connecting, probing the stream: 3-4 s measured). */
export const CONNECT_GRACE_SECONDS = 10;

export interface MotionSourceOptions {
  camera: string;
  motion: ResolvedMotion;
  transport?: 'tcp' | 'udp';
  events: { maxEventSeconds: number; mergeGapSeconds: number };
  signal: AbortSignal;
  emit(record: EventRecord): void;
  timing?: Partial<MotionTiming>;
  onState?(state: SourceState, detail?: string): void;
  /**
   * Where this machine's recordings are (the config's dataDir) and when a recording counts as stopped (the camera's
   * record.stallSeconds): needed for `input: recording | auto` (without it the stream is decoded).
   */
  recording?: { dataDir: string; stallSeconds: number };
  /** Every analysed picture (tests, benchmarks). */
  onSample?(sample: MotionSample, atMs: number): void;
}

/** Watches one camera until `signal` aborts; closes its open event (`reason: "stopped"`) on the way out. Never rejects. */
export async function watchMotion(o: MotionSourceOptions): Promise<void> {
  const { camera, motion, signal } = o;
  const timing = { ...DEFAULT_MOTION_TIMING, ...o.timing };
  const tracker = new EventTracker({
    camera, maxEventMs: o.events.maxEventSeconds * 1000, mergeGapMs: o.events.mergeGapSeconds * 1000, source: 'motion',
  });
  const emit = (records: EventRecord[]) => records.forEach((r) => o.emit(r));
  let state: SourceState | undefined;
  const setState = (next: SourceState, detail: string, level: 'info' | 'warn' = 'info') => {
    if (next === state) return;
    state = next;
    log[level]({ camera, state: next }, `camera ${camera}: ${detail}`);
    o.onState?.(next, detail);
  };
  // No periodic timer (every wake-up costs CPU on these machines): the tracker's next deadline (merge gap, maximum
  // duration) is scheduled whenever it changes.
  let closer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(closer);
    const due = tracker.nextDeadline();
    if (due) {
      closer = setTimeout(() => {
        emit(tracker.tick(new Date()));
        schedule();
      }, Math.max(0, due.getTime() - Date.now()));
    }
  };
  let active = false;
  let quietAtMs = 0;
  const observe = (on: boolean, atMs: number) => {
    if (!on) quietAtMs = atMs;
    emit(tracker.observe({ camera, label: 'motion', active: on, at: new Date(atMs), initialized: false, topic: 'motion' }));
    active = on;
    schedule();
  };
  const mode = o.recording ? motion.input : 'stream';
  const recorded = () => (o.recording ? newestRecording(o.recording.dataDir, camera) : null);
  const choose = (newest: SegmentFile | null) => chooseInput(mode, newest?.writtenMs ?? null, o.recording?.stallSeconds ?? 0, Date.now());
  let failures = 0;
  try {
    while (!signal.aborted) {
      const started = Date.now();
      const newest = recorded();
      const choice = choose(newest);
      if (choice === 'wait') {
        // input: recording, and the recorder is not writing: look again every few seconds (a cheap look at a folder).
        setState('offline', `nothing of the camera is being recorded on this machine; waiting for the recorder`, 'warn');
        await sleep(WAIT_FOR_RECORDING_MS, signal);
        continue;
      }
      const outcome = await decodeOnce(choice === 'recording' ? newest : null);
      if (active) observe(false, Date.now());
      if (signal.aborted) break;
      if (outcome.again) continue;
      const wait = restartBackoff(failures, Date.now() - started, timing.maxBackoffSeconds);
      failures = wait.failures;
      setState('offline', `motion decoder stopped (${outcome.reason}); retrying in ${wait.seconds} s`, 'warn');
      await sleep(wait.seconds * 1000, signal);
    }
  } finally {
    clearTimeout(closer);
    emit(tracker.stop(new Date()));
    setState('stopped', 'motion source stopped');
  }

  /**
   * One decoding session: of the camera's stream (`recording` null), or of the recording from `recording` on,
   * segment after segment. Resolves with why it ended, and whether to go on at once (the input changed).
   */
  async function decodeOnce(recording: SegmentFile | null): Promise<{ reason: string; again: boolean }> {
    const detector = new MotionDetector(motion);
    const size = MOTION_WIDTH * MOTION_HEIGHT;
    const frame = Buffer.alloc(size);
    let filled = 0;
    const intervalMs = 1000 / motion.samplesPerSecond;
    let dueMs = 0;
    let pictures = 0;
    let lastError = '';
    const keyframes = recording ? motion.recordingKeyframesOnly : motion.keyframesOnly;
    const what = recording ? `the recording ${recording.path}` : redactText(motion.url);
    setState('connecting', `motion: decoding ${what}${keyframes ? ' (keyframes only)' : ''}`);

    // The stall watchdog, pushed back by every picture (the first one may take CONNECT_GRACE_SECONDS longer).
    let stalled = false;
    let ff: LongRunning | undefined;
    const stall = () => {
      stalled = true;
      ff?.stop(true);
    };
    let watchdog = setTimeout(stall, (timing.stallSeconds + CONNECT_GRACE_SECONDS) * 1000);
    const stop = () => ff?.stop(true);
    signal.addEventListener('abort', stop, { once: true });

    const picture = () => {
      const now = Date.now();
      if (pictures++ === 0) {
        clearTimeout(watchdog);
        watchdog = setTimeout(stall, timing.stallSeconds * 1000);
        setState('online', 'motion source running');
      } else watchdog.refresh();
      if (now < dueMs) return;
      dueMs = Math.max(dueMs + intervalMs, now - intervalMs);
      const sample = detector.sample(frame, now);
      o.onSample?.(sample, now);
      if (sample.state === 'motion') observe(true, active ? now : Math.max(sample.sinceMs!, quietAtMs));
      else if (active) observe(false, now);
    };
    const start = (decode: { url: string; format?: string }, stdin?: Readable) =>
      startFfmpeg({
        args: motionDecodeArgs({ ...decode, transport: o.transport ?? 'tcp', keyframesOnly: keyframes, width: MOTION_WIDTH, height: MOTION_HEIGHT, timeoutSeconds: timing.timeoutSeconds }),
        stdin,
        onStderr: (line) => (lastError = line),
        onStdout: (chunk) => {
          for (let at = 0; at < chunk.length; ) {
            const n = Math.min(size - filled, chunk.length - at);
            chunk.copy(frame, filled, at, at + n);
            filled += n;
            at += n;
            if (filled === size) {
              filled = 0;
              picture();
            }
          }
        },
      });
    const ended = (exit: { code: number | null; signal: string | null }) => {
      if (stalled) return `no picture for ${timing.stallSeconds} s${pictures === 0 ? ` (+${CONNECT_GRACE_SECONDS} s to connect)` : ''}`;
      return `ffmpeg exited with ${exit.code ?? exit.signal}${lastError ? `: ${redactText(lastError)}` : ''}`;
    };
    try {
      if (recording === null) {
        // auto on the stream: back to the recording once it is written again.
        let back = false;
        const recheck = mode === 'auto' ? setInterval(() => {
          if (choose(recorded()) === 'recording') {
            back = true;
            ff?.stop(true);
          }
        }, timing.recheckSeconds * 1000) : undefined;
        ff = start({ url: motion.url });
        const exit = await ff.done;
        clearInterval(recheck);
        return back ? { reason: 'the recording is being written again', again: true } : { reason: ended(exit), again: false };
      }
      // The recording: one ffmpeg per segment, the first from near its end, the next ones from their start.
      let file: SegmentFile = recording;
      for (let fromEnd = true; ; fromEnd = false) {
        const format = segmentFormat(file.path);
        if (!format) return { reason: `not a recording: ${file.path}`, again: false };
        const run = await followSegment(file.path, format, fromEnd);
        if (run.stopped && !signal.aborted) return { reason: `the recording stopped growing: ${file.path}`, again: true };
        if (signal.aborted || stalled || run.next === null) return { reason: ended(run.exit), again: false };
        log.info({ camera, segment: run.next.path }, `camera ${camera}: motion: next segment ${run.next.path}`);
        file = run.next;
      }
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener('abort', stop);
    }

    /**
     * Decodes one growing segment: a reader process (recording.ts followCommand: its header, then `tail -f` from the
     * cut) pipes it into a new ffmpeg, so the bytes never pass through Node (each wake-up of Node costs ~1 ms here).
     * Every `checkMs` Node looks at the file's size: once it stops growing and a newer segment exists (`next`), or it
     * has not grown for record.stallSeconds (`stopped`: the recorder is gone), the reader is ended and ffmpeg
     * finishes what it has.
     */
    async function followSegment(file: string, format: 'matroska' | 'mp4' | 'mpegts', fromEnd: boolean): Promise<{ exit: { code: number | null; signal: string | null }; next: SegmentFile | null; stopped?: boolean }> {
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch (err) {
        // Gone between the listing and now (pruned): the next look at the folder decides.
        lastError = `cannot read ${file}: ${(err as Error).message}`;
        return { exit: { code: null, signal: null }, next: null };
      }
      const read = (at: number, bytes: number) => {
        const buf = Buffer.allocUnsafe(bytes);
        return buf.subarray(0, readSync(fd, buf, 0, bytes, at));
      };
      let size = fstatSync(fd).size;
      let cut: Cut = { header: 0, from: 0 };
      if (fromEnd) {
        const head = read(0, Math.min(HEAD_BYTES, size));
        // A Matroska cluster is 0.2 s: the last 256 KB hold several; an MP4 fragment may need the larger window.
        for (const bytes of [HEAD_BYTES, TAIL_BYTES]) {
          const tailAt = Math.max(0, size - bytes);
          const found = recordingCut(format, head, read(tailAt, size - tailAt), tailAt);
          if (found) {
            cut = found;
            break;
          }
        }
      }
      const [command, ...args] = followCommand(file, cut);
      // Killed with cctv (even with -9), like ffmpeg; ends itself (SIGPIPE) when ffmpeg is gone and it writes.
      const reader = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', command!, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
      const readerGone = new Promise((resolve) => reader.once('close', resolve));
      reader.once('error', (err) => (lastError = `cannot start the reader: ${err.message}`));
      const run = start({ url: 'pipe:0', format }, reader.stdout);
      // ffmpeg has its own copy of the pipe now: Node must never read from it.
      reader.stdout.destroy();
      ff = run;
      let next: SegmentFile | null = null;
      let stopped = false;
      let grewAtMs = Date.now();
      const check = () => {
        const now = fstatSync(fd).size;
        if (now !== size) {
          size = now;
          grewAtMs = Date.now();
          return;
        }
        // Not grown since the last look: has the recorder moved on? It closes a segment (its last bytes written,
        // which the reader has had for checkMs) before it opens the next.
        const newest = recorded();
        if (newest && newest.path !== file) next = newest;
        else if (Date.now() - grewAtMs < Math.max(o.recording!.stallSeconds, 10) * 1000) return;
        else stopped = true; // the recorder stopped: choose the input again (auto: the stream)
        clearInterval(checker);
        reader.kill('SIGTERM');
      };
      const checker = setInterval(check, timing.checkMs);
      const exit = await run.done;
      clearInterval(checker);
      reader.kill('SIGKILL');
      await readerGone;
      closeSync(fd);
      return { exit, next, stopped };
    }
  }
}
