import { statfsSync } from 'node:fs';
import { getArming } from '../catalog/alerting.js';
import type { Db } from '../catalog/db.js';
import { lastEventStart } from '../catalog/events.js';
import { outboxCounts } from '../catalog/outbox.js';
import { lastSegment } from '../catalog/segments.js';
import type { Config } from '../config/schema.js';
import { isRecording, recordingWrittenMs } from '../record/paths.js';
import { armedAt } from './decide.js';
import type { Facts } from './homeassistant.js';

/**
 * What the Home Assistant sensors say, as far as the catalog and the host can tell the alerting process: a camera is
 * recording when its newest segment file was written within `record.stallSeconds` (the recorder may be another
 * process), its last event is the newest in the catalog, the upload backlog is the outbox's pending work, and the
 * disk is the data folder's. `cctv run` passes live state through the same `factMessages` instead.
 */
export function readFacts(db: Db, config: Config, nowMs = Date.now()): Facts {
  return {
    cameras: Object.keys(config.cameras).map((name) => {
      const last = lastEventStart(db, name);
      const seg = lastSegment(db, name);
      return {
        name,
        recording: isRecording(seg ? recordingWrittenMs(config.dataDir, seg.path) : null, config.record.stallSeconds, nowMs),
        lastEventAt: last === null ? null : new Date(last).toISOString(),
        armed: armedAt(getArming(db, name), nowMs),
      };
    }),
    uploadBacklog: outboxCounts(db).pending,
    diskFreeGb: diskFreeGb(config.dataDir),
  };
}

function diskFreeGb(dir: string): number | null {
  try {
    const fs = statfsSync(dir);
    return (fs.bavail * fs.bsize) / 1e9;
  } catch {
    return null;
  }
}
