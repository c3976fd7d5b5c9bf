import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toLabels } from '../../src/lib/analyze/results.js';
import { lastAlertBefore, saveAnalysis } from '../../src/lib/catalog/analyses.js';
import { openDb } from '../../src/lib/catalog/db.js';

describe('catalog rows', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cctv-results-'));
  const db = openDb(dir);
  afterAll(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const row = (over: object) => ({
    clipUrl: 'file:///a.mp4', eventId: 'ev-a', camera: 'front', startMs: 1000, detector: 'local', frames: 2, alert: true,
    labels: toLabels([{ name: 'person', confidence: 0.9, offsetSeconds: 1 }, { name: 'car', confidence: 0.7, offsetSeconds: 2 }], 1000),
    ...over,
  });

  it('a re-analysis replaces the rows (no duplicates, dropped labels go)', () => {
    saveAnalysis(db, row({}));
    saveAnalysis(db, row({ labels: row({}).labels.slice(0, 1), frames: 1 }));
    expect(db.prepare('SELECT clip_url, frames, alert FROM analyses').all()).toEqual([{ clip_url: 'file:///a.mp4', frames: 1, alert: 1 }]);
    expect(db.prepare('SELECT label, confidence, at_ms, start_ms FROM detections').all()).toEqual([
      { label: 'person', confidence: 0.9, at_ms: 2000, start_ms: 1000 },
    ]);
  });

  it('lastAlertBefore sees events, clips without event, and only earlier alerts of the camera', () => {
    saveAnalysis(db, row({ clipUrl: 'file:///b.mp4', eventId: null, startMs: 5000, alert: false }));
    saveAnalysis(db, row({ clipUrl: 'file:///c.mp4', eventId: null, startMs: 9000 }));
    saveAnalysis(db, row({ clipUrl: 'file:///d.mp4', eventId: 'ev-d', camera: 'back', startMs: 4000 }));
    expect(lastAlertBefore(db, 'front', 5000, 'file:///b.mp4')).toBe(1000);
    expect(lastAlertBefore(db, 'front', 9500, 'x')).toBe(9000);
    expect(lastAlertBefore(db, 'front', 9500, 'file:///c.mp4')).toBe(1000); // its own event does not count
    expect(lastAlertBefore(db, 'front', 500, 'x')).toBeNull(); // later alerts do not count
    expect(lastAlertBefore(db, 'back', 9000, 'x')).toBe(4000);
  });
});
