import { rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../catalog/db.js';
import { writeNow, type WriteCatalog } from '../catalog/write-queue.js';
import { forgetOpenSegment, segmentPaths, segmentStartMs, upsertSegment } from '../catalog/segments.js';
import { probeDurationArgs, SEGMENT_EXT } from '../ffmpeg/args.js';
import { runFfprobe } from '../ffmpeg/run.js';
import { log } from '../log.js';
import { cameraDir, nameSegment, RUN_DIR, safeReaddir, segmentTimeFromPath } from './paths.js';
import type { ClosedSegment } from './segment.js';

/**
 * Duration in seconds of a recording, also when ffmpeg was killed while writing it (no duration in the header:
 * the last video packet tells). Null when nothing decodable is in it.
 */
export async function probeDuration(file: string): Promise<number | null> {
  try {
    const d = Number.parseFloat((await runFfprobe(probeDurationArgs(file, false))).trim());
    if (Number.isFinite(d) && d > 0) return d;
  } catch {
    // fall through to the packet scan
  }
  try {
    const lines = (await runFfprobe(probeDurationArgs(file, true))).trim().split('\n');
    let first: number | null = null;
    let last = 0;
    for (const line of lines) {
      const [pts, dur] = line.split(',').map(Number.parseFloat);
      if (pts === undefined || !Number.isFinite(pts)) continue;
      first ??= pts;
      last = Math.max(last, pts + (dur !== undefined && Number.isFinite(dur) ? dur : 0));
    }
    return first === null ? null : last - first;
  } catch {
    return null;
  }
}

/**
 * Catalogues a segment file found on disk (left open by a killed ffmpeg or cctv): start from its name (or the
 * open catalogue row), end from its decodable duration. Returns null for a file with nothing decodable. The row is
 * written through `write` (record's CatalogWriteQueue: kept until the catalog takes it).
 */
export async function catalogueFile(db: Db, dataDir: string, camera: string, abs: string, write: WriteCatalog = writeNow): Promise<ClosedSegment | null> {
  const rel = path.relative(dataDir, abs);
  const startMs = segmentStartMs(db, rel) ?? segmentTimeFromPath(rel)?.getTime();
  const bytes = statSync(abs, { throwIfNoEntry: false })?.size ?? 0;
  const duration = bytes > 0 ? await probeDuration(abs) : null;
  if (startMs === undefined || duration === null) {
    log.warn({ camera, path: rel }, 'recording has nothing decodable; left on disk, not catalogued');
    write(`seg:${rel}`, () => forgetOpenSegment(db, rel));
    return null;
  }
  const seg: ClosedSegment = { camera, path: rel, startMs, endMs: startMs + duration * 1000, bytes, closed: true, durationSeconds: duration };
  write(`seg:${rel}`, () => upsertSegment(db, seg));
  return seg;
}

const VIDEO_EXTS = new Set<string>(Object.values(SEGMENT_EXT));

/**
 * Empties a run folder (paths.ts runDir) that its ffmpeg no longer writes to: a recording still there (the recorder
 * died between ffmpeg's open and the move) gets its time-named path now, named by its creation time (its modification
 * time where the file system has none); the segment list and empty files go. Returns the time-named paths given now.
 * The folder goes when empty.
 */
export function adoptRunFolder(dir: string, dataDir: string, camera: string): string[] {
  const adopted: string[] = [];
  for (const name of safeReaddir(dir)) {
    const abs = path.join(dir, name);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    if (VIDEO_EXTS.has(path.extname(name).slice(1)) && st.size > 0) {
      adopted.push(nameSegment(abs, dataDir, camera, st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs));
    } else {
      rmSync(abs, { force: true });
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // not empty (a file appeared) or gone: the next start looks again
  }
  if (adopted.length > 0) log.info({ camera, count: adopted.length, folder: dir }, 'recordings found without their time-named path: named');
  return adopted;
}

/**
 * Run before recording starts: every segment file of `camera` that the catalogue does not know, or knows as still
 * open (cctv or ffmpeg was killed), is probed and catalogued. Returns them oldest first.
 */
export async function recoverCamera(db: Db, dataDir: string, camera: string, write: WriteCatalog = writeNow): Promise<ClosedSegment[]> {
  const known = segmentPaths(db, camera);
  const dir = cameraDir(dataDir, camera);
  // Run folders of a recorder that was killed (its camera lock is ours now, so nobody writes there any more).
  for (const name of safeReaddir(dir)) if (RUN_DIR.test(name)) adoptRunFolder(path.join(dir, name), dataDir, camera);
  rmSync(path.join(dir, '.segments.csv'), { force: true }); // where 0.1's recorder kept its segment list
  const found: string[] = [];
  for (const day of safeReaddir(dir)) {
    for (const name of safeReaddir(path.join(dir, day))) {
      const abs = path.join(dir, day, name);
      if (segmentTimeFromPath(abs) && known.get(path.relative(dataDir, abs)) !== true) found.push(abs);
    }
  }
  found.sort();
  const recovered: ClosedSegment[] = [];
  for (const abs of found) {
    const seg = await catalogueFile(db, dataDir, camera, abs, write);
    if (seg) recovered.push(seg);
  }
  if (recovered.length > 0) log.info({ camera, count: recovered.length }, 'catalogued recordings found on disk');
  return recovered;
}
