import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { saveAnalysis } from '../catalog/analyses.js';
import type { Db } from '../catalog/db.js';
import { recordEvent } from '../catalog/events.js';
import { saveUpload } from '../catalog/uploads.js';
import { readManifest } from '../analyze/results.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { DetectionLabel, EventRecord } from '../pipeline/records.js';
import { recoverCamera } from '../record/recover.js';
import type { Storage } from '../storage/index.js';

export interface RebuildResult {
  segments: number;
  cameras: string[];
  clips: number;
  events: number;
  analyses: number;
  /** Manifests that could not be read or made no sense, with why. */
  skipped: { key: string; why: string }[];
}

/** The fields of a stored clip's manifest (uploader.ts storeClip, analyze/results.ts writeManifest) rebuild reads. */
interface Manifest {
  v: number;
  eventId: string | null;
  camera: string;
  url: string;
  poster: string | null;
  bytes: number;
  sha256: string;
  partial: boolean;
  window: { start: string; end: string };
  event?: EventRecord;
  labels?: unknown;
  detector?: string;
  frames?: number;
}

/** Pure: a manifest's fields checked, or why it cannot be used. */
export function checkManifest(m: Record<string, unknown> | null): Manifest | string {
  if (!m) return 'missing';
  const w = m.window as { start?: unknown; end?: unknown } | undefined;
  if (m.v !== 1) return `version ${String(m.v)}`;
  if (typeof m.camera !== 'string' || typeof m.url !== 'string' || typeof m.sha256 !== 'string' || typeof m.bytes !== 'number') return 'camera, url, sha256 or bytes missing';
  if (typeof w?.start !== 'string' || typeof w.end !== 'string' || Number.isNaN(Date.parse(w.start)) || Number.isNaN(Date.parse(w.end))) return 'no window';
  return m as unknown as Manifest;
}

const isLabel = (l: unknown): l is DetectionLabel =>
  !!l && typeof (l as DetectionLabel).name === 'string' && typeof (l as DetectionLabel).confidence === 'number' && typeof (l as DetectionLabel).at === 'string';

/**
 * Rebuilds a catalog (`cctv catalog rebuild`, into an empty one) from what survives its loss:
 * - the recordings on disk: every file under `<dataDir>/recordings/<camera>/<day>/` is probed and catalogued
 *   (record/recover.ts, as at every recorder start);
 * - the stored clips' manifests (`clips/…/<id>.json`): each gives the upload row, its event and, once analysed,
 *   the detector's labels. Alerts already sent are not in manifests: they are not restored.
 * Gaps between recordings, the outbox, users, sessions and tokens are not recoverable (`cctv backup` keeps them).
 */
export async function rebuildCatalog(db: Db, dataDir: string, storage: Storage): Promise<RebuildResult> {
  const result: RebuildResult = { segments: 0, cameras: [], clips: 0, events: 0, analyses: 0, skipped: [] };
  const recordings = path.join(dataDir, 'recordings');
  let cameras: string[] = [];
  try {
    cameras = readdirSync(recordings).filter((c) => statSync(path.join(recordings, c)).isDirectory()).sort();
  } catch {
    log.warn({ folder: recordings }, 'no recordings folder: rebuilding from stored clips only');
  }
  for (const camera of cameras) {
    result.segments += (await recoverCamera(db, dataDir, camera)).length;
  }
  result.cameras = cameras;

  for await (const entry of storage.list('clips/')) {
    if (!entry.key.endsWith('.json')) continue;
    let m: Manifest | string;
    try {
      m = checkManifest(await readManifest(storage, entry.key));
    } catch (err) {
      m = errorMessage(err);
    }
    if (typeof m === 'string') {
      result.skipped.push({ key: entry.key, why: m });
      continue;
    }
    const startMs = Date.parse(m.window.start);
    saveUpload(db, {
      key: storage.keyFromUrl(m.url), url: m.url, kind: 'clip', eventId: m.eventId, camera: m.camera, startMs, endMs: Date.parse(m.window.end),
      bytes: m.bytes, sha256: m.sha256, poster: m.poster, manifest: storage.urlFor(entry.key), partial: m.partial,
    });
    result.clips++;
    if (m.event && m.eventId) {
      recordEvent(db, m.event);
      result.events++;
    }
    if (typeof m.detector === 'string' && Array.isArray(m.labels)) {
      saveAnalysis(db, {
        clipUrl: m.url, eventId: m.eventId, camera: m.camera, startMs, detector: m.detector, frames: m.frames ?? 0, alert: false,
        labels: m.labels.filter(isLabel),
      });
      result.analyses++;
    }
  }
  if (result.skipped.length > 0) log.warn({ skipped: result.skipped.slice(0, 5) }, `${result.skipped.length} manifests could not be used`);
  return result;
}
