import type { Config } from '../lib/config/schema.js';
import { errorMessage } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { openStorage, withRetry, type Storage } from '../lib/storage/index.js';
import type { CreatedObject } from './s3-event.js';

/** What a test (or another runtime) may hand a hook instead of what its environment names. */
export interface HookDeps {
  /** Default process.env. */
  env?: Record<string, string | undefined>;
  /** A ready storage for CCTV_STORAGE_URL (tests: an S3Storage on the S3-protocol test server). */
  storage?: Storage;
}

/** The configured storage, with short retries (Lambda retries the whole event on failure as well). */
export function hookStorage(config: Config): Storage {
  const { url, region, endpoint, forcePathStyle, checksums } = config.storage;
  return withRetry(openStorage(url!, { region, endpoint, forcePathStyle, checksums }), { retries: 2, baseDelayMs: 200, maxDelayMs: 2000 });
}

/** The storage key of an event's object, or null when it lies outside CCTV_STORAGE_URL (bucket or prefix). */
export function storageKey(storage: Storage, o: CreatedObject): string | null {
  try {
    return storage.keyFromUrl(`s3://${o.bucket}/${o.key}`);
  } catch {
    return null;
  }
}

/** What happened to one object of an event (returned by the handlers, and logged). */
export interface Outcome {
  key: string;
  outcome: string;
  [more: string]: unknown;
}

/**
 * Runs `work` on each created object in turn. A failure of one object is logged and rethrown after the others
 * were tried, so Lambda retries the event (the markers make the objects that succeeded no-ops on the retry).
 */
export async function eachObject(objects: readonly CreatedObject[], work: (o: CreatedObject) => Promise<Outcome>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let failure: unknown;
  for (const o of objects) {
    try {
      const r = await work(o);
      log.info(r, 'done');
      out.push(r);
    } catch (err) {
      log.error({ bucket: o.bucket, key: o.key, err: errorMessage(err) }, 'failed');
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
  return out;
}
