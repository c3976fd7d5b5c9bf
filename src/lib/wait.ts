/**
 * Waiting, the one way cctv does it: the backoff between retries and the sleep.
 *
 * Backoff: the wait doubles from `baseMs` to at most `maxMs`. Where many clients may retry the same service at once
 * (storage calls, the upload queue, Rekognition throttling) the wait is drawn with full jitter (uniform in [0, wait),
 * AWS's recommendation for spreading retries); alert deliveries and the recorder's restarts wait the plain sequence.
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
