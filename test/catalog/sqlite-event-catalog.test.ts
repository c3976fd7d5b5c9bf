import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { saveAnalysis } from '../../src/lib/catalog/analyses.js';
import { openDb } from '../../src/lib/catalog/db.js';
import { recordEvent } from '../../src/lib/catalog/events.js';
import { addGap, upsertSegment } from '../../src/lib/catalog/segments.js';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { saveUpload } from '../../src/lib/catalog/uploads.js';
import { describeEventCatalog } from './event-catalog.conformance.js';

describeEventCatalog('sqlite', async (data) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cctv-event-catalog-'));
  const db = openDb(dir);
  data.events.forEach((e) => recordEvent(db, e));
  data.uploads.forEach((u) => saveUpload(db, u));
  data.analyses.forEach((a) => saveAnalysis(db, a));
  data.segments.forEach((s) => upsertSegment(db, s));
  data.gaps.forEach((g) => addGap(db, g));
  return {
    catalog: sqliteEventCatalog(db),
    teardown: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
