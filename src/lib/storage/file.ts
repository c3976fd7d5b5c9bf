import { randomUUID } from 'node:crypto';
import { createWriteStream, type Stats } from 'node:fs';
import { mkdir, open, opendir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import { DigestStream, openSource } from './digest.js';
import {
  assertKey, classifyError, IntegrityError, NotFoundError, resolveRange, type ByteRange, type ObjectEntry,
  type ObjectStat, type PutOptions, type PutResult, type PutSource, type Storage, type StorageErrorClass,
} from './types.js';

/** Sidecar folder under the root holding `<key>.json` = { contentType, metadata } (keys never start with a dot). */
const META_DIR = '.meta';

interface Sidecar {
  contentType?: string;
  metadata: Record<string, string>;
}

/**
 * Parses `file://./relative` (resolved against `cwd`) or `file:///absolute` into an absolute folder.
 * UserError for anything else (e.g. `file://host/x`).
 */
export function fileRootFromUrl(url: string, cwd: string = process.cwd()): string {
  if (url === 'file://.' || url.startsWith('file://./')) return resolve(cwd, url.slice('file://'.length));
  if (url.startsWith('file:///')) return fileURLToPath(url);
  throw new UserError(`storage url ${url}: use file://./relative/folder or file:///absolute/folder`);
}

/**
 * Storage in a local folder: object `k` is the file `<root>/k`; content type and metadata live in a
 * sidecar `<root>/.meta/k.json`. A put writes a dot-temp file beside the target, fsyncs it, checks
 * its size, then renames it over the target (atomic) and fsyncs the folder. The local store reports
 * back only a size: a read-back would come from the page cache and prove nothing more. Tags and
 * presigned URLs do not exist here (setTags is a no-op, presign gives null).
 * Readers see an object's new bytes and its new sidecar one rename apart, not as one step.
 */
export class FileStorage implements Storage {
  readonly url: string;

  /** `root`: absolute folder (created on the first put). */
  constructor(readonly root: string) {
    this.url = pathToFileURL(root).href;
  }

  async put(key: string, source: PutSource, opts: PutOptions): Promise<PutResult> {
    const dest = this.pathOf(key);
    const digest = new DigestStream({ expectSha256: opts.sha256 });
    const tmp = await writeTemp(dest, async (file) => {
      await pipeline(openSource(source), digest, createWriteStream(file, { flags: 'wx', flush: true }));
    });
    try {
      const { bytes } = digest.digest();
      const stored = (await stat(tmp)).size;
      if (stored !== bytes) throw new IntegrityError(`${key}: wrote ${bytes} bytes but the file holds ${stored}`, true);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(dirname(dest));
    const metadata = { ...opts.metadata, ...(opts.sha256 || opts.sha256Metadata ? { sha256: digest.digest().sha256 } : {}) };
    const sidecar: Sidecar = { contentType: opts.contentType, metadata };
    const metaPath = this.metaPathOf(key);
    const metaTmp = await writeTemp(metaPath, (file) => writeFile(file, JSON.stringify(sidecar), { flag: 'wx', flush: true }));
    await rename(metaTmp, metaPath);
    const { bytes, sha256 } = digest.digest();
    return { url: this.urlFor(key), bytes, sha256 };
  }

  async get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const handle = await open(this.pathOf(key), 'r').catch((err: unknown) => rethrowMissing(err, key));
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new NotFoundError(key);
      if (!range) return handle.createReadStream();
      const end = resolveRange(range, st.size, key);
      return handle.createReadStream({ start: range.start, end });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectStat> {
    const st = await this.statFile(key);
    const sidecar = await readFile(this.metaPathOf(key), 'utf8').then(
      (text): Sidecar => JSON.parse(text) as Sidecar,
      (err: NodeJS.ErrnoException): Sidecar => {
        if (err.code === 'ENOENT') return { metadata: {} };
        throw err;
      },
    );
    return { bytes: st.size, modified: st.mtime, contentType: sidecar.contentType, metadata: sidecar.metadata };
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    const cut = prefix.lastIndexOf('/');
    const dir = cut < 0 ? '' : prefix.slice(0, cut);
    for await (const key of walk(this.root, dir)) {
      if (!key.startsWith(prefix)) continue;
      const st = await stat(join(this.root, key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined; // removed while listing
        throw err;
      });
      if (st) yield { key, bytes: st.size, modified: st.mtime };
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(this.metaPathOf(key), { force: true });
  }

  urlFor(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  keyFromUrl(url: string): string {
    const abs = url.startsWith('file:') ? fileURLToPath(url) : '';
    const key = relative(this.root, abs).split(sep).join('/');
    if (!abs || key.startsWith('../') || key === '..' || key === '') {
      throw new UserError(`${url} is not inside storage ${this.url}`);
    }
    assertKey(key);
    return key;
  }

  async presign(key: string): Promise<string | null> {
    assertKey(key);
    return null;
  }

  /** No tags on a local folder: checks that the object exists and does nothing else. */
  async setTags(key: string): Promise<void> {
    await this.statFile(key);
  }

  private async statFile(key: string): Promise<Stats> {
    const st = await stat(this.pathOf(key)).catch((err: unknown) => rethrowMissing(err, key));
    if (!st.isFile()) throw new NotFoundError(key);
    return st;
  }

  private pathOf(key: string): string {
    assertKey(key);
    return join(this.root, ...key.split('/'));
  }

  /** A missing file is not-found; the shared rules otherwise (a full or failing disk is permanent: a person must act). */
  classify(err: unknown): StorageErrorClass {
    return classifyError(err);
  }

  private metaPathOf(key: string): string {
    return `${join(this.root, META_DIR, ...key.split('/'))}.json`;
  }
}

/** Creates `dest`'s folder and a fresh dot-temp file beside it via `write(tmpPath)`; returns the temp path (removed on failure). */
async function writeTemp(dest: string, write: (tmp: string) => Promise<void>): Promise<string> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${randomUUID()}.tmp`);
  try {
    await write(tmp);
    return tmp;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Makes a rename in `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Keys of the files under `<root>/<dir>`, skipping dot-entries (temp files, the sidecar folder). */
async function* walk(root: string, dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await opendir(join(root, dir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw err;
  }
  for await (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const key = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(root, key);
    else if (entry.isFile()) yield key;
  }
}

function rethrowMissing(err: unknown, key: string): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw new NotFoundError(key);
  throw err;
}
