import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { ClipRecord } from '../pipeline/records.js';
import { sleep } from '../wait.js';
import type { SourceState } from './onvif.js';
import { monotonicMs } from '../time.js';

/**
 * The memory of clips already emitted, so that each file gives one `clip` record even across restarts.
 * The catalog backs it (catalog/drop-files.ts seenDropFiles). `name` is the path relative to the drop folder.
 */
export interface SeenFiles {
  has(camera: string, name: string, size: number): boolean;
  add(camera: string, name: string, size: number): void;
}

export interface DropDirTiming {
  /** How often the folder is listed (ms). Polling, because fs.watch misses writes over SMB/NFS/FTP mounts. */
  pollMs: number;
  /** A file is complete once its size and mtime have not changed for this long (ms). */
  settleMs: number;
}

export const DEFAULT_DROP_DIR_TIMING: DropDirTiming = { pollMs: 2_000, settleMs: 5_000 };

const VIDEO_EXTENSIONS = ['.mp4', '.mkv', '.avi', '.mov', '.m4v', '.ts', '.mts', '.264', '.h264', '.dav', '.asf', '.flv', '.3gp'];
const TEMP_SUFFIXES = ['.part', '.partial', '.filepart', '.tmp', '.temp', '.crdownload', '~'];

/**
 * Whether a relative path may be a finished clip: a video extension, and no segment that is a dotfile or a
 * temp name (`.part`, `.tmp`, `~`, ...), as written by FTP/SMB clients before the final rename.
 */
export function isClipCandidate(name: string): boolean {
  const segments = name.split(/[\\/]/);
  if (segments.some((s) => s.startsWith('.') || TEMP_SUFFIXES.some((t) => s.toLowerCase().endsWith(t)))) return false;
  const lower = name.toLowerCase();
  return VIDEO_EXTENSIONS.some((e) => lower.endsWith(e));
}

export interface FileSnapshot {
  name: string;
  size: number;
  mtimeMs: number;
}
interface Tracked extends FileSnapshot {
  /** When this size and mtime were first seen. */
  since: number;
}

/**
 * Pure settle step: from the previous tracking state and a fresh listing at `now`, the new state and the files
 * that have just become complete (unchanged for `settleMs`, not empty). A file reported complete is dropped from
 * the state; it reappears only if it changes again.
 */
export function settle(
  previous: ReadonlyMap<string, Tracked>,
  listing: FileSnapshot[],
  now: number,
  settleMs: number,
): { next: Map<string, Tracked>; complete: FileSnapshot[] } {
  const next = new Map<string, Tracked>();
  const complete: FileSnapshot[] = [];
  for (const f of listing) {
    const prev = previous.get(f.name);
    const since = prev && prev.size === f.size && prev.mtimeMs === f.mtimeMs ? prev.since : now;
    if (f.size > 0 && now - since >= settleMs) complete.push(f);
    else next.set(f.name, { ...f, since });
  }
  return { next, complete };
}

async function list(dir: string): Promise<FileSnapshot[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: FileSnapshot[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    const name = full.slice(resolve(dir).length + 1).split(sep).join('/');
    if (!isClipCandidate(name)) continue;
    try {
      const st = await stat(full);
      out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // renamed or deleted between readdir and stat: the next poll sees the truth
    }
  }
  return out;
}

export interface DropDirOptions {
  camera: string;
  dir: string;
  signal: AbortSignal;
  seen: SeenFiles;
  /** Delivers a record; resolves once it is written (rejects when it could not be: the file is then not marked seen). */
  emit(record: ClipRecord): void | Promise<void>;
  onState?(state: SourceState, detail?: string): void;
  timing?: Partial<DropDirTiming>;
}

/**
 * Watch `dir` (recursively) until `signal` aborts; emit one `clip` record (absolute `path`, `at` = mtime) per
 * complete new file and, once it is written, remember it in `seen` (a record that could not be written leaves the
 * file to be reported again). Files already in `seen` with the same size are never emitted again. A missing or
 * unreadable folder is reported once and polled until it comes back. Never rejects.
 */
export async function watchDropDir(opts: DropDirOptions): Promise<void> {
  const { camera, signal, seen } = opts;
  const dir = resolve(opts.dir);
  const timing = { ...DEFAULT_DROP_DIR_TIMING, ...opts.timing };
  let tracked = new Map<string, Tracked>();
  let state: SourceState | undefined;
  const setState = (next: SourceState, detail: string, level: 'info' | 'warn') => {
    if (next === state) return;
    state = next;
    log[level]({ camera, dir, state: next }, `camera ${camera}: ${detail}`);
    opts.onState?.(next, detail);
  };
  while (!signal.aborted) {
    try {
      const listing = (await list(dir)).filter((f) => !seen.has(camera, f.name, f.size));
      setState('online', `watching drop folder ${dir}`, 'info');
      const { next, complete } = settle(tracked, listing, monotonicMs(), timing.settleMs);
      tracked = next;
      for (const f of complete) {
        try {
          await opts.emit({ v: 1, kind: 'clip', camera, path: join(dir, f.name), at: new Date(f.mtimeMs).toISOString() });
        } catch (err) {
          log.warn({ camera, file: f.name, err: errorMessage(err) }, 'clip record not delivered: the file is reported again next time');
          break;
        }
        seen.add(camera, f.name, f.size);
      }
    } catch (err) {
      setState('offline', `drop folder ${dir} unreadable, retrying (${errorMessage(err)})`, 'warn');
    }
    await sleep(timing.pollMs, signal);
  }
  setState('stopped', 'drop folder watch stopped', 'info');
}
