import { renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeManifest } from '../../src/lib/analyze/results.js';
import { checkManifest } from '../../src/lib/backup/rebuild.js';
import { runCctv, spawnCctv, tempProject } from '../helpers/cli.js';
import { closeServeFixture, makeServeFixture, T0, type ServeFixture } from '../serve/fixture.js';

/**
 * Catalog care through the real binary on a real data folder (recordings, clips cut by the Uploader, file storage):
 * an online backup while another process writes, and a catalog rebuilt from recordings and manifests that matches
 * the one lost.
 */
let f: ServeFixture;
let dir = '';
beforeAll(async () => {
  f = await makeServeFixture();
  // The person clip analysed: its manifest carries the labels, as the Analyzer writes them.
  const person = f.uploaded.find((u) => u.eventId === f.events.person)!;
  const key = f.storage.keyFromUrl(person.url).replace(/\.mp4$/, '.json');
  const { readManifest } = await import('../../src/lib/analyze/results.js');
  const manifest = (await readManifest(f.storage, key))!;
  await writeManifest(f.storage, key, manifest, {
    labels: [{ name: 'person', confidence: 0.91, at: new Date(T0 + 6000).toISOString(), box: { x: 0.1, y: 0.2, width: 0.2, height: 0.5 } }],
    detector: 'local', frames: 3, analyzedAt: new Date().toISOString(),
  }, 'front');
  ({ dir } = tempProject({ dataDir: f.dataDir, storage: { url: f.config.storage.url } }));
}, 120_000);
afterAll(async () => {
  await closeServeFixture(f);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rows = (db: Database.Database, sql: string) => db.prepare(sql).all();
const TABLES = {
  uploads: 'SELECT key, url, kind, event_id, camera, start_ms, end_ms, bytes, sha256, poster, manifest, partial FROM uploads ORDER BY key',
  events: 'SELECT id, camera, state, start_ms, end_ms, labels, source FROM events ORDER BY id',
  detections: 'SELECT clip_url, event_id, camera, label, confidence, at_ms, start_ms, box FROM detections ORDER BY clip_url, label',
  segments: 'SELECT camera, path, start_ms, bytes, closed FROM segments ORDER BY path',
};

describe('cctv backup and cctv catalog rebuild (real binary)', () => {
  it('backup: an integrity-checked copy, owner-only, while another process writes; never overwrites', { timeout: 120_000 }, async () => {
    const writer = new Database(path.join(f.dataDir, 'catalog.db'));
    let n = 0;
    const insert = writer.prepare("INSERT INTO gaps (camera, from_ms, to_ms, reason) VALUES ('back', ?, ?, 'writer')");
    const timer = setInterval(() => insert.run(n, ++n), 5);
    const file = path.join(dir, 'copy.db');
    try {
      const r = await runCctv(['backup', file, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ file, rows: { segments: 4, events: 2, uploads: 3, detections: 2 } });
    } finally {
      clearInterval(timer);
      writer.close();
    }
    expect(n).toBeGreaterThan(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const copy = new Database(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    const again = await runCctv(['backup', file], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: choose another file/);
  });

  it('rebuild: from the recordings and the manifests, the same segments, clips, events and labels; search finds the person', async () => {
    const original = new Database(path.join(f.dataDir, 'catalog.db'));
    const before = Object.fromEntries(Object.entries(TABLES).map(([t, sql]) => [t, rows(original, sql)]));
    original.pragma('wal_checkpoint(TRUNCATE)');
    original.close();
    f.db.close();
    const lost = path.join(dir, 'lost');
    for (const ext of ['', '-wal', '-shm']) {
      try {
        renameSync(path.join(f.dataDir, `catalog.db${ext}`), `${lost}${ext}`);
      } catch {
        // No -wal or -shm left after the checkpoint.
      }
    }
    const r = await runCctv(['catalog', 'rebuild', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ segments: 4, cameras: ['front'], clips: 3, events: 2, analyses: 1, skipped: [] });
    const rebuilt = new Database(path.join(f.dataDir, 'catalog.db'), { readonly: true });
    const after = Object.fromEntries(Object.entries(TABLES).map(([t, sql]) => [t, rows(rebuilt, sql)]));
    rebuilt.close();
    expect(after.uploads).toEqual(before.uploads);
    expect(after.events).toEqual(before.events);
    expect(after.segments).toEqual(before.segments);
    // The analysed clip's labels come back from its manifest (the fixture's catalog also had a car the manifest lacks).
    expect(after.detections).toEqual((before.detections as { label: string }[]).filter((d) => d.label === 'person'));

    const search = spawnCctv(['search', '--tag', 'person', '--json'], { cwd: dir });
    expect(await search.exited).toBe(0);
    expect(search.records()).toMatchObject([{ eventId: f.events.person, camera: 'front' }]);

    const twice = await runCctv(['catalog', 'rebuild'], { cwd: dir });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/exists: rebuild makes a new catalog/);
    f.db = new Database(path.join(f.dataDir, 'catalog.db'));
  }, 240_000);

  it.each([
    [null, 'missing'],
    [{ v: 2 }, 'version 2'],
    [{ v: 1, camera: 'front', url: 's3://b/k.mp4', sha256: 'x', bytes: 1 }, 'no window'],
    [{ v: 1, camera: 'front', url: 's3://b/k.mp4', bytes: 1, window: { start: 'a', end: 'b' } }, 'camera, url, sha256 or bytes missing'],
  ])('checkManifest(%j) → %s', (m, why) => {
    expect(checkManifest(m as Record<string, unknown> | null)).toBe(why);
  });
});
