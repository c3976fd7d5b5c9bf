/**
 * Waiting, the one way cctv does it: the backoff between retries and the sleep.
 *
 * Backoff: the wait doubles from `baseMs` to at most `maxMs`. Where many clients may retry the same service at once
 * (storage calls, the upload queue, Rekognition throttling) the wait is drawn with full jitter (uniform in [0, wait),
 * AWS's recommendation for spreading retries); alert deliveries and the restarts of a supervised ffmpeg (the recorder,
 * the motion source: restartBackoff) wait the plain sequence.
 */

export interface Backoff {
  /** The wait before the first retry. */
  baseMs: number;
  /** The longest wait. */
  maxMs: number;
}

/** The wait before retry number `retry` (1 = the first retry): base·2^(retry−1), capped at max. */
export function backoffMs(retry: number, b: Backoff): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, retry - 1));
}

/** A supervised process that ran this long was healthy: its end starts a new series of failures. */
const HEALTHY_RUN_MS = 60_000;

/**
 * The wait before restarting a supervised ffmpeg (the recorder, the motion source) after a run that ended after
 * `ranMs`, and the failures in a row it makes: 1 s, doubling to `maxSeconds` (backoffMs); a run of a minute or more
 * resets the series (the camera was healthy, so the next failure is a new one).
 */
export function restartBackoff(failures: number, ranMs: number, maxSeconds: number): { failures: number; seconds: number } {
  const n = ranMs >= HEALTHY_RUN_MS ? 1 : failures + 1;
  return { failures: n, seconds: backoffMs(n, { baseMs: 1000, maxMs: maxSeconds * 1000 }) / 1000 };
}

/** Full jitter: a wait drawn uniformly from [0, ms), in whole ms. */
export function fullJitter(ms: number, random: () => number = Math.random): number {
  return Math.floor(random() * ms);
}

/** Resolves after `ms`, or as soon as `signal` aborts (at once when it already has); never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
