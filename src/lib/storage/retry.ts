import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { backoffMs, fullJitter, sleep } from '../wait.js';
import { type ByteRange, type ObjectEntry, type PutOptions, type PutSource, type Storage } from './types.js';

export interface RetryOptions {
  /** Extra attempts after the first. */
  retries: number;
  /** Delay before the first retry; doubles each time (full jitter), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Delay before retry number `retry` (1 = the first): full jitter over the doubling wait (wait.ts). */
const retryDelay = (retry: number, opts: RetryOptions): number => fullJitter(backoffMs(retry, { baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs }));

/**
 * The same storage, with each operation retried on the errors the storage classifies as retryable (its classify).
 * put can be retried because its source is a path or a buffer and keys are deterministic. get retries opening
 * the stream, not a stream that fails midway; list retries a failure only while nothing has been
 * yielded yet (after that the error reaches the caller, to avoid repeating keys).
 */
export function withRetry(storage: Storage, opts: RetryOptions): Storage {
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (let n = 0; ; n++) {
      try {
        return await fn();
      } catch (err) {
        if (n >= opts.retries || storage.classify(err) !== 'retryable') throw err;
        const delay = retryDelay(n + 1, opts);
        log.warn({ err: errorMessage(err), attempt: n + 1, delayMs: delay }, `storage ${what} failed, retrying`);
        await sleep(delay);
      }
    }
  };
  return {
    url: storage.url,
    put: (key: string, source: PutSource, o: PutOptions) => attempt(`put ${key}`, () => storage.put(key, source, o)),
    get: (key: string, range?: ByteRange) => attempt(`get ${key}`, () => storage.get(key, range)),
    stat: (key: string) => attempt(`stat ${key}`, () => storage.stat(key)),
    list: (prefix: string) => retryList(prefix),
    remove: (key: string) => attempt(`remove ${key}`, () => storage.remove(key)),
    urlFor: (key: string) => storage.urlFor(key),
    keyFromUrl: (url: string) => storage.keyFromUrl(url),
    presign: (key: string, seconds: number, opts?: { downloadAs?: string }) => attempt(`presign ${key}`, () => storage.presign(key, seconds, opts)),
    setTags: (key: string, tags: Record<string, string>) => attempt(`setTags ${key}`, () => storage.setTags(key, tags)),
    classify: (err: unknown) => storage.classify(err),
  };

  async function* retryList(prefix: string): AsyncGenerator<ObjectEntry> {
    for (let n = 0; ; n++) {
      let yielded = false;
      try {
        for await (const entry of storage.list(prefix)) {
          yielded = true;
          yield entry;
        }
        return;
      } catch (err) {
        if (yielded || n >= opts.retries || storage.classify(err) !== 'retryable') throw err;
        await sleep(retryDelay(n + 1, opts));
      }
    }
  }
}
