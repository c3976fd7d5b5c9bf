import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clipTags, eventStartOffset, hasAlerted, lastAlertBefore, saveAnalysis, siblingKeys, toLabels,
} from '../../src/lib/analyze/results.js';
import { openDb } from '../../src/lib/catalog/db.js';

describe('toLabels', () => {
  it('turns clip offsets into ISO times and rounds confidence to 3 places', () => {
    const box = { x: 0.1, y: 0.2, width: 0.3, height: 0.4 };
    expect(toLabels([{ name: 'person', confidence: 0.87654, offsetSeconds: 6.5, box }, { name: 'car', confidence: 0.7, offsetSeconds: 0 }], Date.parse('2024-05-01T12:00:00Z'))).toEqual([
      { name: 'person', confidence: 0.877, at: '2024-05-01T12:00:06.500Z', box },
      { name: 'car', confidence: 0.7, at: '2024-05-01T12:00:00.000Z' },
    ]);
  });
});

describe('siblingKeys', () => {
  it.each([
    ['clips/front/2024/05/01/ev.mp4', { manifest: 'clips/front/2024/05/01/ev.json', poster: 'clips/front/2024/05/01/ev.jpg' }],
    ['recordings/front/2024-05-01/120000.mkv', null],
    ['recordings/front/2024-05-01/120000.mp4', null],
    ['clips/front/ev.mkv', null],
  ])('%s', (key, expected) => expect(siblingKeys(key)).toEqual(expected));
});

describe('clipTags', () => {
  it.each([
    [[], { class: 'clip' }],
    [[{ name: 'person' }], { class: 'clip', labels: 'person' }],
    [[{ name: 'person' }, { name: 'car' }], { class: 'clip', labels: 'person+car' }],
    [[{ name: 'odd,name&x' }], { class: 'clip', labels: 'odd_name_x' }],
    [Array.from({ length: 10 }, (_, i) => ({ name: `l${i}` })), { class: 'clip', labels: 'l0+l1+l2+l3+l4+l5+l6+l7' }],
  ])('%j', (labels, expected) => expect(clipTags(labels)).toEqual(expected));
});

describe('eventStartOffset', () => {
  const manifest = { event: { start: '2024-05-01T12:00:07Z' }, window: { start: '2024-05-01T12:00:00Z' } };
  it.each([
    ['from the manifest', manifest, 'ev', 7],
    ['manifest wins over the pre-roll for a plain clip too', manifest, null, 7],
    ['event clip without a manifest: the pre-roll', null, 'ev', 5],
    ['manifest without an event: the pre-roll', { window: { start: '2024-05-01T12:00:00Z' } }, 'ev', 5],
    ['plain clip: 0', { clip: {} }, null, 0],
    ['never negative', { event: { start: '2024-05-01T11:59:00Z' }, window: { start: '2024-05-01T12:00:00Z' } }, 'ev', 0],
  ])('%s', (_n, m, eventId, expected) => expect(eventStartOffset(m, eventId, 5)).toBe(expected));
});

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

  it('hasAlerted and lastAlertBefore see events, clips without event, and only earlier alerts of the camera', () => {
    saveAnalysis(db, row({ clipUrl: 'file:///b.mp4', eventId: null, startMs: 5000, alert: false }));
    saveAnalysis(db, row({ clipUrl: 'file:///c.mp4', eventId: null, startMs: 9000 }));
    saveAnalysis(db, row({ clipUrl: 'file:///d.mp4', eventId: 'ev-d', camera: 'back', startMs: 4000 }));
    expect(hasAlerted(db, 'ev-a')).toBe(true);
    expect(hasAlerted(db, 'file:///b.mp4')).toBe(false);
    expect(hasAlerted(db, 'file:///c.mp4')).toBe(true);
    expect(lastAlertBefore(db, 'front', 5000, 'file:///b.mp4')).toBe(1000);
    expect(lastAlertBefore(db, 'front', 9500, 'x')).toBe(9000);
    expect(lastAlertBefore(db, 'front', 9500, 'file:///c.mp4')).toBe(1000); // its own event does not count
    expect(lastAlertBefore(db, 'front', 500, 'x')).toBeNull(); // later alerts do not count
    expect(lastAlertBefore(db, 'back', 9000, 'x')).toBe(4000);
  });
});
