import type { SourceState } from '../events/onvif.js';
import { EventTracker } from '../events/tracker.js';
import { motionDecodeArgs } from '../ffmpeg/motion.js';
import { startFfmpeg } from '../ffmpeg/run.js';
import { log } from '../log.js';
import type { EventRecord } from '../pipeline/records.js';
import { redactText } from '../redact.js';
import { restartBackoff, sleep } from '../wait.js';
import type { ResolvedMotion } from './config.js';
import { MOTION_HEIGHT, MOTION_WIDTH, MotionDetector, type MotionSample } from './detector.js';

/**
 * The software motion source of one camera: one ffmpeg decodes the stream (the sub stream, or keyframes of the main
 * stream) into small grey pictures; Node keeps `samplesPerSecond` of them, runs the MotionDetector and feeds "motion
 * on/off" to the same EventTracker as ONVIF, so `event` records (source `motion`, labels `["motion"]`) start, merge
 * and end by the same rules. Supervised like the recorder: ffmpeg is restarted after every exit and whenever no
 * picture arrived for `stallSeconds`, with the recorder's backoff (wait.ts restartBackoff: 1 s doubling to `maxBackoffSeconds`).
 */
export interface MotionTiming {
  stallSeconds: number;
  maxBackoffSeconds: number;
  /** ffmpeg's socket timeout. */
  timeoutSeconds: number;
}

export const DEFAULT_MOTION_TIMING: MotionTiming = { stallSeconds: 20, maxBackoffSeconds: 30, timeoutSeconds: 5 };

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
  let failures = 0;
  try {
    while (!signal.aborted) {
      const started = Date.now();
      const outcome = await decodeOnce();
      if (active) observe(false, Date.now());
      if (signal.aborted) break;
      const wait = restartBackoff(failures, Date.now() - started, timing.maxBackoffSeconds);
      failures = wait.failures;
      setState('offline', `motion decoder stopped (${outcome}); retrying in ${wait.seconds} s`, 'warn');
      await sleep(wait.seconds * 1000, signal);
    }
  } finally {
    clearTimeout(closer);
    emit(tracker.stop(new Date()));
    setState('stopped', 'motion source stopped');
  }

  /** One ffmpeg run; resolves with why it ended. */
  async function decodeOnce(): Promise<string> {
    const detector = new MotionDetector(motion);
    const size = MOTION_WIDTH * MOTION_HEIGHT;
    const frame = Buffer.alloc(size);
    let filled = 0;
    const intervalMs = 1000 / motion.samplesPerSecond;
    let dueMs = 0;
    let pictures = 0;
    let lastError = '';
    setState('connecting', `motion: decoding ${redactText(motion.url)}${motion.keyframesOnly ? ' (keyframes only)' : ''}`);

    // The stall watchdog, pushed back by every picture (the first one may take CONNECT_GRACE_SECONDS longer).
    let stalled = false;
    const stall = () => {
      stalled = true;
      ff.stop(true);
    };
    let watchdog = setTimeout(stall, (timing.stallSeconds + CONNECT_GRACE_SECONDS) * 1000);

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
    const ff = startFfmpeg({
      args: motionDecodeArgs({ url: motion.url, transport: o.transport ?? 'tcp', keyframesOnly: motion.keyframesOnly, width: MOTION_WIDTH, height: MOTION_HEIGHT, timeoutSeconds: timing.timeoutSeconds }),
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
    const stop = () => ff.stop(true);
    signal.addEventListener('abort', stop, { once: true });
    const { code, signal: killed } = await ff.done;
    clearTimeout(watchdog);
    signal.removeEventListener('abort', stop);
    if (stalled) return `no picture for ${timing.stallSeconds} s${pictures === 0 ? ` (+${CONNECT_GRACE_SECONDS} s to connect)` : ''}`;
    return `ffmpeg exited with ${code ?? killed}${lastError ? `: ${redactText(lastError)}` : ''}`;
  }
}
