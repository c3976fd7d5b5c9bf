import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { SEGMENT_EXT } from '../ffmpeg/args.js';
import type { RecordFormat } from '../config/schema.js';

/** Recordings live at `<dataDir>/recordings/<camera>/<YYYY-MM-DD>/<HHMMSS>.<ext>`, UTC (CONTRACT §4). */
export function cameraDir(dataDir: string, camera: string): string {
  return path.join(dataDir, 'recordings', camera);
}

/**
 * Where one ffmpeg run writes: `<camera>/.run-<id>/` with numbered names (`%06d.<ext>`) that never repeat. The
 * recorder moves each file to its time-named path (finalSegmentPath) the moment ffmpeg opens it (ffmpeg keeps
 * writing through its open descriptor): a clock stepped back (NTP, a wrong RTC at boot) makes time names repeat, and
 * ffmpeg opening a repeated name itself (O_TRUNC) would truncate a closed recording.
 */
export function runDir(dataDir: string, camera: string, runId: string): string {
  return path.join(cameraDir(dataDir, camera), `.run-${runId}`);
}

export function runPattern(dir: string, format: RecordFormat): string {
  return path.join(dir, `%06d.${SEGMENT_EXT[format]}`);
}

/** The run folders under a camera's folder (left by a killed recorder, or the current run's). */
export const RUN_DIR = /^\.run-/;

/**
 * The time-named path of a segment opened at `atMs` (UTC): `<day>/<HHMMSS>.<ext>`, or with `-<n>` (n ≥ 1) when that
 * name is taken (the clock was stepped back): the n-th file of that name.
 */
export function finalSegmentPath(dataDir: string, camera: string, atMs: number, ext: string, n = 0): string {
  const iso = new Date(atMs).toISOString();
  const name = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${n > 0 ? `-${n}` : ''}${ext}`;
  return path.join(cameraDir(dataDir, camera), iso.slice(0, 10), name);
}

/**
 * Moves the file ffmpeg is writing (`written`, in its run folder) to the first free time-named path of
 * finalSegmentPath, and returns it. A taken name is skipped, never replaced: only the holder of the camera's recorder
 * lock (catalog/locks.ts) creates names in the camera's folder, so nothing takes one between the check and the
 * rename. (A rename, not a hard link: FAT/exFAT disks, common for recordings, have no hard links.)
 */
export function nameSegment(written: string, dataDir: string, camera: string, atMs: number): string {
  const ext = path.extname(written);
  let n = 0;
  while (existsSync(finalSegmentPath(dataDir, camera, atMs, ext, n))) n++;
  const final = finalSegmentPath(dataDir, camera, atMs, ext, n);
  mkdirSync(path.dirname(final), { recursive: true });
  renameSync(written, final);
  return final;
}

const SEGMENT_NAME = /(\d{4})-(\d{2})-(\d{2})[/\\](\d{2})(\d{2})(\d{2})(?:-\d+)?\.(mkv|mp4|ts)$/;

/** The start time encoded in a segment path (a `-<n>` after a clock step included), or null when the path is not a segment. */
export function segmentTimeFromPath(p: string): Date | null {
  const m = SEGMENT_NAME.exec(p);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(t) ? null : new Date(t);
}

/** When a recording (path relative to dataDir) was last written: its real end while it grows; null when it is gone. */
export function recordingWrittenMs(dataDir: string, rel: string): number | null {
  return statSync(path.join(dataDir, rel), { throwIfNoEntry: false })?.mtimeMs ?? null;
}

/**
 * Whether a camera counts as recording at `nowMs` when its newest recording was last written at `writtenMs` (null: no
 * file): within `record.stallSeconds`, at least 10 s. Read from the files because the recorder may be another process.
 */
export function isRecording(writtenMs: number | null, stallSeconds: number, nowMs: number): boolean {
  return writtenMs !== null && nowMs - writtenMs < Math.max(stallSeconds, 10) * 1000;
}

/** The names in `dir`, none when it cannot be read (gone, not a folder). */
export function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
