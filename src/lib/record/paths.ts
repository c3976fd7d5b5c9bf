import { statSync } from 'node:fs';
import path from 'node:path';
import { SEGMENT_EXT } from '../ffmpeg/args.js';
import type { RecordFormat } from '../config/schema.js';

/** Recordings live at `<dataDir>/recordings/<camera>/<YYYY-MM-DD>/<HHMMSS>.<ext>`, UTC (CONTRACT §4). */
export function cameraDir(dataDir: string, camera: string): string {
  return path.join(dataDir, 'recordings', camera);
}

export function dayDir(dataDir: string, camera: string, at: Date): string {
  return path.join(cameraDir(dataDir, camera), at.toISOString().slice(0, 10));
}

/** The strftime pattern ffmpeg writes to. */
export function outputPattern(dataDir: string, camera: string, format: RecordFormat): string {
  return path.join(cameraDir(dataDir, camera), '%Y-%m-%d', `%H%M%S.${SEGMENT_EXT[format]}`);
}

const SEGMENT_NAME = /(\d{4})-(\d{2})-(\d{2})[/\\](\d{2})(\d{2})(\d{2})\.(mkv|mp4|ts)$/;

/** The start time encoded in a segment path, or null when the path is not a segment. */
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
