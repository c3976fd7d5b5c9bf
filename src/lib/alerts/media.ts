import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Storage } from '../storage/index.js';
import type { AlertMedia } from './types.js';

/**
 * The pictures an alert carries to the sinks that attach them, read lazily (a webhook-only setup never reads them) and
 * once per alert whatever the number of sinks. Reading never rejects: a snapshot that cannot be read is logged and the
 * sinks send their text without it.
 */

/** Media read from storage: the poster (snapshot JPEG) and the clip, by their storage keys. */
export function storageMedia(storage: Storage, keys: { poster: string | null; clip: string | null }): AlertMedia {
  const read = async (key: string): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of await storage.get(key)) chunks.push(Buffer.from(c as Buffer));
    return Buffer.concat(chunks);
  };
  const clipSize = once(async () => (keys.clip === null ? null : (await storage.stat(keys.clip)).bytes));
  const clipBytes = once(async () => read(keys.clip!));
  return {
    snapshot: once(() => (keys.poster === null ? Promise.resolve(null) : quiet('snapshot', keys.poster, () => read(keys.poster!)))),
    clip: (maxBytes) =>
      quiet('clip', keys.clip, async () => {
        const size = await clipSize();
        return size === null || size > maxBytes ? null : clipBytes();
      }),
  };
}

/** Media held in memory (the sample snapshot of `cctv alert test`, tests, benchmarks). */
export function bufferMedia(snapshot: Buffer | null, clip: Buffer | null = null): AlertMedia {
  return {
    snapshot: async () => snapshot,
    clip: async (maxBytes) => (clip !== null && clip.length <= maxBytes ? clip : null),
  };
}

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

async function quiet<T>(what: string, key: string | null, f: () => Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (err) {
    log.warn({ key, err: errorMessage(err) }, `alert ${what} cannot be read; sending without it`);
    return null;
  }
}
