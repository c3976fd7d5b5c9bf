import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { saveAnalysis } from '../../src/lib/catalog/analyses.js';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { addGap } from '../../src/lib/catalog/segments.js';
import { configSchema, type Config } from '../../src/lib/config/schema.js';
import type { ClipRecord, EventRecord, UploadedRecord } from '../../src/lib/pipeline/records.js';
import { openStorage, type Storage } from '../../src/lib/storage/index.js';
import { Uploader } from '../../src/lib/upload/uploader.js';
import { makeMp4, makeSegment } from '../upload/fixtures.js';

/** 2024-05-01 12:00:00 UTC: recordings start here. */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
export const DAY = '2024-05-01';
const iso = (ms: number) => new Date(ms).toISOString();

export interface ServeFixture {
  dataDir: string;
  config: Config;
  db: Db;
  storage: Storage;
  uploaded: UploadedRecord[];
  /** Event ids: `person` (detector found a person), `motion` (nothing found), on camera front. */
  events: { person: string; motion: string };
}

/**
 * A real data folder: camera `front` recorded 12:00:00–12:00:30 (three 10 s segments, H.264 + G.711 in mkv), a gap
 * (catalogued, "camera unreachable"), 12:00:40–12:00:50; two motion events cut into clips by the real Uploader into
 * file storage; the first analysed with a person (catalog rows as `analyze` writes them); a plain camera clip on
 * `back`. Segment files get their wall-clock modification times, as a recorder leaves them.
 */
export async function makeServeFixture(over: Record<string, unknown> = {}): Promise<ServeFixture> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cctv-serve-'));
  const config = configSchema.parse({
    dataDir,
    cameras: { front: { url: 'rtsp://admin:frontSecret99@192.0.2.10/stream' }, back: { url: 'rtsp://192.0.2.11/stream' } },
    events: { preRollSeconds: 2, postRollSeconds: 2 },
    storage: { url: `file://${path.join(dataDir, 'archive')}` },
    ...over,
  });
  const db = openDb(dataDir);
  for (const [offset, seconds] of [[0, 10], [10, 10], [20, 10], [40, 10]] as const) {
    const rel = await makeSegment(db, dataDir, 'front', T0 + offset * 1000, seconds);
    const end = (T0 + (offset + seconds) * 1000) / 1000;
    utimesSync(path.join(dataDir, rel), end, end);
  }
  addGap(db, { camera: 'front', fromMs: T0 + 30_000, toMs: T0 + 40_000, reason: 'camera unreachable' });

  const storage = openStorage(config.storage.url!);
  const uploaded: UploadedRecord[] = [];
  const uploader = new Uploader({ db, config, storage, emit: (r) => void uploaded.push(r), coverageWaitMs: 0 });
  const event = (id: string, fromS: number, toS: number): EventRecord => ({
    v: 1, kind: 'event', id, camera: 'front', state: 'end', at: iso(T0 + toS * 1000), start: iso(T0 + fromS * 1000),
    end: iso(T0 + toS * 1000), labels: ['motion'], source: 'motion',
  });
  const events = { person: 'front-person-1', motion: 'front-motion-2' };
  const plainClip = path.join(dataDir, 'camera-clip.mp4');
  await makeMp4(plainClip, 4);
  const clip: ClipRecord = { v: 1, kind: 'clip', camera: 'back', path: plainClip, at: iso(T0 + 60_000), start: iso(T0 + 56_000), end: iso(T0 + 60_000) };
  [event(events.person, 5, 9), event(events.motion, 22, 26), clip].forEach((record, i) => uploader.accept({ known: true, line: i + 1, record }));
  await uploader.run(new AbortController().signal, Promise.resolve());
  if (uploaded.length !== 3) throw new Error(`fixture: expected 3 stored clips, got ${uploaded.length}`);

  const personClip = uploaded.find((u) => u.eventId === events.person)!;
  saveAnalysis(db, {
    clipUrl: personClip.url, eventId: events.person, camera: 'front', startMs: Date.parse(personClip.start), detector: 'local',
    frames: 3, alert: true,
    labels: [
      { name: 'person', confidence: 0.91, at: iso(T0 + 6000), box: { x: 0.1, y: 0.2, width: 0.2, height: 0.5 } },
      { name: 'dog', confidence: 0.64, at: iso(T0 + 7000) },
    ],
  });
  return { dataDir, config, db, storage, uploaded, events };
}

/** Closes what a serve test started, in order (each may be missing when its setup failed), then removes the fixture. */
export async function closeServeFixture(f: ServeFixture | undefined, ...started: ({ close(): Promise<void> } | undefined)[]): Promise<void> {
  for (const s of started) await s?.close();
  f?.db.close();
  if (f) rmSync(f.dataDir, { recursive: true, force: true });
}
