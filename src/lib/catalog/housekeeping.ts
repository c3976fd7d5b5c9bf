import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { pruneAlerts } from './alerts.js';
import type { Db } from './db.js';
import { forgetGoneDropFiles } from './drop-files.js';
import { pruneEvents } from './events.js';
import { pruneFinished } from './outbox.js';
import { sweepWorkers } from './workers.js';

const DAY_MS = 86_400_000;

/** How many rows each kind of housekeeping removed. */
export interface HousekeepingResult {
  outbox: number;
  events: number;
  dropFiles: number;
  alerts: number;
  workers: number;
}

/**
 * The catalog rows that have served their purpose, removed so the catalog does not grow forever (`cctv prune`
 * calls it): finished work (done or abandoned) older than the longer of `recordingsDays` and `keepEventsDays` (a
 * camera clip file's item only once the file is gone: prune reads it to know the file is stored), events older
 * than `keepEventsDays` without a stored clip, alerts decided that long ago, drop-folder files that no longer
 * exist, and workers that are gone.
 */
export function pruneCatalogRows(db: Db, config: Config, nowMs = Date.now()): HousekeepingResult {
  const r = config.retention;
  const eventsBefore = nowMs - r.keepEventsDays * DAY_MS;
  const workBefore = nowMs - Math.max(r.recordingsDays, r.keepEventsDays) * DAY_MS;
  const dropFileGone = (camera: string, name: string) => {
    const dir = config.cameras[camera]?.dropDir;
    return dir === undefined || !existsSync(path.join(path.resolve(dir), name));
  };
  return {
    outbox: pruneFinished(db, workBefore, (file) => !existsSync(file)),
    events: pruneEvents(db, eventsBefore, config.events.maxEventSeconds * 1000),
    alerts: pruneAlerts(db, eventsBefore),
    dropFiles: forgetGoneDropFiles(db, dropFileGone),
    workers: sweepWorkers(db, nowMs),
  };
}
