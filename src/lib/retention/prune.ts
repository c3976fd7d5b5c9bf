import { existsSync, readdirSync, rmdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeTransaction, type Db } from '../catalog/db.js';
import { eventsOpenOrEndedSince } from '../catalog/events.js';
import { abandonWork, clipFiles, unfinishedReads, unfinishedWorkReading } from '../catalog/outbox.js';
import { allSegments, deleteSegment, isClosedSegment, pruneGaps, upsertSegment } from '../catalog/segments.js';
import { forgetStoredObject, storedObjects } from '../catalog/uploads.js';
import { eventWindow } from '../clips/window.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Storage } from '../storage/index.js';
import { DAY_MS, GB, planRetention, type InUse, type LocalClip, type Plan, type RetentionPolicy } from './plan.js';

/**
 * The I/O shell around the planner: reads the catalog and the disk into a PlanInput, and carries a plan out safely
 * while `record` and `upload` run. Deleting a segment removes its catalog row first, in a write transaction that
 * re-checks that it is closed and that no upload work reads it (work accepted after planning included), then the
 * file; so a reader that finds the row finds the file, and a file that cannot be removed gets its row back.
 */

/** A catalogued segment is called missing only when it ended this long before the disk walk began. */
const MISSING_MARGIN_MS = 60_000;
/** Segments deleted per write transaction (short, so `record` and `upload` never wait long). */
const BATCH = 500;

export function policyFrom(config: Config): RetentionPolicy {
  const r = config.retention;
  return {
    recordingsDays: r.recordingsDays, keepEventsDays: r.keepEventsDays, maxDiskBytes: r.maxDiskGb * GB,
    minFreeBytes: r.minFreeGb * GB, remote: r.remote,
    preRollMs: config.events.preRollSeconds * 1000, postRollMs: config.events.postRollSeconds * 1000,
    maxEventMs: config.events.maxEventSeconds * 1000,
  };
}

/** Files under recordings/ the catalog does not know: reported, never deleted. */
export interface UnknownFiles {
  count: number;
  bytes: number;
  /** The first few, relative to dataDir. */
  examples: string[];
}

export interface Survey {
  plan: Plan;
  unknown: UnknownFiles;
}

/** Walks the recordings, reads the catalog and the disk's free space, and plans. */
export function survey(db: Db, config: Config, nowMs = Date.now()): Survey {
  const walkStartMs = Date.now();
  const onDisk = walkRecordings(config.dataDir);
  const policy = policyFrom(config);
  const segments = allSegments(db);
  const known = new Set<string>();
  const missing = new Set<string>();
  for (const s of segments) {
    known.add(s.path);
    if (s.closed && s.endMs < walkStartMs - MISSING_MARGIN_MS && !onDisk.has(s.path)) missing.add(s.path);
  }
  const unknown: UnknownFiles = { count: 0, bytes: 0, examples: [] };
  for (const rel of onDisk) {
    if (known.has(rel)) continue;
    unknown.count++;
    unknown.bytes += statSync(path.join(config.dataDir, rel), { throwIfNoEntry: false })?.size ?? 0;
    if (unknown.examples.length < 20) unknown.examples.push(rel);
  }
  const fs = statfsSync(config.dataDir);
  const plan = planRetention({
    nowMs, policy, segments, events: eventsOpenOrEndedSince(db, nowMs - policy.keepEventsDays * DAY_MS), inUse: loadInUse(db, config),
    missing, localClips: loadLocalClips(db, config), stored: policy.remote ? storedObjects(db) : [], freeBytes: fs.bavail * fs.bsize,
  });
  return { plan, unknown };
}

/**
 * What unfinished upload work (pending, claimed or failed: failed work is retried by the next `upload`) will read:
 * each event's clip window (the event's span widened as the uploader widens it, eventWindow) and each segment of
 * continuous backup.
 */
export function loadInUse(db: Db, config: Config): InUse {
  const { events, segmentPaths } = unfinishedReads(db);
  const { preRollSeconds, postRollSeconds } = config.events;
  return {
    windows: events.map((e) => ({ camera: e.camera, ...eventWindow(e.fromMs, e.toMs, preRollSeconds, postRollSeconds) })),
    paths: segmentPaths,
  };
}

/** Clips on disk that cameras wrote to their drop folders and `upload` took (only files inside a configured dropDir). */
function loadLocalClips(db: Db, config: Config): LocalClip[] {
  const out: LocalClip[] = [];
  for (const c of clipFiles(db)) {
    const dropDir = config.cameras[c.camera]?.dropDir;
    if (!dropDir || !path.isAbsolute(c.path) || !isInside(path.resolve(dropDir), c.path)) continue;
    const bytes = statSync(c.path, { throwIfNoEntry: false })?.size;
    if (bytes !== undefined) out.push({ camera: c.camera, path: c.path, atMs: c.atMs, bytes, uploaded: c.stored });
  }
  return out;
}

/** Relative paths (to dataDir) of every file under recordings/<camera>/<day>/, dot-files left out. */
function walkRecordings(dataDir: string): Set<string> {
  const found = new Set<string>();
  const root = path.join(dataDir, 'recordings');
  for (const camera of listDir(root)) {
    for (const day of listDir(path.join(root, camera))) {
      for (const name of listDir(path.join(root, camera, day))) found.add(path.join('recordings', camera, day, name));
    }
  }
  return found;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

const isInside = (dir: string, file: string) => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** What a run of the plan did (a type, so the summary record built from it stays a plain record). */
export type PruneResult = {
  segments: { files: number; bytes: number; byReason: Record<string, number> };
  localClips: { files: number; bytes: number };
  stored: { objects: number; bytes: number };
  /** Planned deletions skipped because the item changed since planning (reopened, now in use, already gone). */
  skipped: number;
  /** Upload work given up because emergency pruning deleted recordings it reads (outbox state `abandoned`). */
  abandonedWork: number;
  /** Gap rows removed (before each camera's oldest kept recording). */
  gaps: number;
  errors: string[];
};

/**
 * Carries out a plan. Segments: see the module comment. Local clips: removed (their upload is done). Stored
 * objects: the clip, its poster and manifest are removed from `storage` first, then their catalog rows
 * (uploads, detections, analyses), so a row never points at nothing for longer than the removal takes.
 */
export async function executePlan(db: Db, config: Config, plan: Plan, storage?: Storage): Promise<PruneResult> {
  const result: PruneResult = {
    segments: { files: 0, bytes: 0, byReason: {} }, localClips: { files: 0, bytes: 0 }, stored: { objects: 0, bytes: 0 }, skipped: 0,
    abandonedWork: 0, gaps: 0, errors: [],
  };
  const { preRollSeconds, postRollSeconds } = config.events;
  const dayDirs = new Set<string>();
  for (let i = 0; i < plan.segments.length; i += BATCH) {
    const batch = plan.segments.slice(i, i + BATCH);
    const accepted = writeTransaction(db, () => {
      const inUse = loadInUse(db, config);
      return batch.filter(({ segment: s, reason, abandonsWork }) => {
        const busy = inUse.paths.has(s.path) || inUse.windows.some((w) => w.camera === s.camera && w.fromMs < s.endMs && w.toMs > s.startMs);
        const reappeared = reason === 'missing' && existsSync(path.join(config.dataDir, s.path));
        if (!isClosedSegment(db, s.path) || (busy && !abandonsWork) || reappeared) {
          result.skipped++;
          return false;
        }
        if (busy) {
          // Emergency: recording wins over the work that reads this recording, which is given up, saying why.
          const ids = unfinishedWorkReading(db, s, preRollSeconds * 1000, postRollSeconds * 1000);
          const n = abandonWork(db, ids, `abandoned: recording ${s.path} deleted by emergency pruning (free space below retention.minFreeGb)`);
          result.abandonedWork += n;
          if (n > 0) log.warn({ path: s.path, work: n }, 'emergency pruning deleted a recording that upload work needed: that work is abandoned');
        }
        deleteSegment(db, s.path);
        return true;
      });
    });
    for (const { segment: s, reason } of accepted) {
      const abs = path.join(config.dataDir, s.path);
      try {
        if (reason !== 'missing') rmSync(abs, { force: true });
      } catch (err) {
        upsertSegment(db, s);
        result.errors.push(`${s.path}: ${errorMessage(err)}`);
        continue;
      }
      result.segments.files++;
      if (reason !== 'missing') result.segments.bytes += s.bytes;
      result.segments.byReason[reason] = (result.segments.byReason[reason] ?? 0) + 1;
      dayDirs.add(path.dirname(abs));
    }
  }
  removeEmptyDayDirs(dayDirs, Date.now());
  result.gaps = writeTransaction(db, () => pruneGaps(db, plan.oldestKept, plan.gapAgeCutoffMs));

  for (const c of plan.localClips) {
    try {
      rmSync(c.path, { force: true });
      result.localClips.files++;
      result.localClips.bytes += c.bytes;
    } catch (err) {
      result.errors.push(`${c.path}: ${errorMessage(err)}`);
    }
  }

  if (plan.stored.length > 0 && !storage) throw new Error('executePlan: stored objects to remove but no storage given');
  for (const o of plan.stored) {
    try {
      for (const url of [o.poster, o.manifest]) if (url) await storage!.remove(storage!.keyFromUrl(url));
      await storage!.remove(o.key);
      forgetStoredObject(db, o);
      result.stored.objects++;
      result.stored.bytes += o.bytes;
    } catch (err) {
      result.errors.push(`${o.url}: ${errorMessage(err)}`);
    }
  }
  for (const e of result.errors) log.error(`prune: ${e}`);
  return result;
}

/**
 * Removes the emptied day folders older than yesterday (UTC). The recorder keeps today's and tomorrow's ready
 * because ffmpeg does not create folders, so those are left alone.
 */
function removeEmptyDayDirs(dirs: Set<string>, nowMs: number): void {
  const yesterday = new Date(nowMs - DAY_MS).toISOString().slice(0, 10);
  for (const dir of dirs) {
    if (!(path.basename(dir) < yesterday)) continue;
    try {
      rmdirSync(dir);
    } catch {
      // not empty (or gone): fine
    }
  }
}
