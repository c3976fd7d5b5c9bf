import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { migrations } from '../../src/lib/catalog/migrations.js';
import { claimDue, clipFiles, enqueue, markDone, markFailed, unfinishedReads, type WorkRequest } from '../../src/lib/catalog/outbox.js';

const T = Date.UTC(2024, 4, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/** One request of each kind, including an event whose end is not known yet and times with an offset. */
const requests: WorkRequest[] = [
  { key: 'event:a', kind: 'event', payload: { v: 1, kind: 'event', id: 'a', camera: 'front', state: 'end', at: iso(T + 9000), start: iso(T), end: iso(T + 8000), labels: [], source: 'onvif' } },
  { key: 'event:b', kind: 'event', payload: { v: 1, kind: 'event', id: 'b', camera: 'back', state: 'end', at: '2024-05-01T14:00:30.250+02:00', start: '2024-05-01T14:00:10+02:00', labels: [], source: 'onvif' } },
  { key: 'segment:s', kind: 'segment', payload: { v: 1, kind: 'segment', camera: 'front', path: 'recordings/front/2024-05-01/120000.mkv', start: iso(T), end: iso(T + 900_000), durationSeconds: 900, bytes: 5 } },
  { key: 'file:c', kind: 'file', payload: { v: 1, kind: 'clip', camera: 'side', path: '/drop/side/c.mp4', at: iso(T + 60_000) } },
];

const reads = {
  events: [{ camera: 'front', fromMs: T, toMs: T + 8000 }, { camera: 'back', fromMs: T + 10_000, toMs: T + 30_250 }],
  segmentPaths: new Set(['recordings/front/2024-05-01/120000.mkv']),
};

describe('outbox', () => {
  it('keeps what each item reads: unfinished event spans and segments, every clip file', () => {
    const db = openDb(mkdtempSync(path.join(os.tmpdir(), 'cctv-outbox-')));
    for (const r of requests) expect(enqueue(db, r, T)).toBe(true);
    expect(enqueue(db, requests[0]!, T)).toBe(false); // the same key is the same work
    expect(unfinishedReads(db)).toEqual(reads);
    expect(clipFiles(db)).toEqual([{ camera: 'side', path: '/drop/side/c.mp4', atMs: T + 60_000, stored: false }]);

    const claimed = claimDue(db, 'upload', 'w1', 10, T);
    expect(claimed.map((w) => [w.key, w.camera, w.path, w.fromMs, w.toMs])).toEqual([
      ['event:a', 'front', null, T, T + 8000], ['event:b', 'back', null, T + 10_000, T + 30_250],
      ['file:c', 'side', '/drop/side/c.mp4', T + 60_000, T + 60_000], ['segment:s', 'front', 'recordings/front/2024-05-01/120000.mkv', T, T + 900_000],
    ]);
    markDone(db, claimed.find((w) => w.key === 'event:a')!.id, 'w1');
    markFailed(db, claimed.find((w) => w.key === 'segment:s')!.id, 'w1', 'storage down');
    markDone(db, claimed.find((w) => w.key === 'file:c')!.id, 'w1');
    expect(unfinishedReads(db)).toEqual({ events: [reads.events[1]], segmentPaths: reads.segmentPaths }); // failed work is retried later
    expect(clipFiles(db)).toEqual([{ camera: 'side', path: '/drop/side/c.mp4', atMs: T + 60_000, stored: true }]);
  });

  it('migration 7 gives the items of an older catalog the same columns enqueue writes', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-outbox-'));
    const old = new Database(path.join(dir, 'catalog.db'));
    for (const m of migrations.slice(0, 6)) old.exec(m as string);
    old.pragma('user_version = 6');
    const insert = old.prepare(`INSERT INTO outbox (key, kind, priority, payload, next_attempt_ms, created_ms, updated_ms) VALUES (?, ?, 2, ?, 0, 0, 0)`);
    for (const r of requests) insert.run(r.key, r.kind, JSON.stringify(r.payload));
    old.close();
    const db = openDb(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(unfinishedReads(db)).toEqual(reads);
    expect(clipFiles(db)).toEqual([{ camera: 'side', path: '/drop/side/c.mp4', atMs: T + 60_000, stored: false }]);
  });
});

describe('outbox: stuck and abandoned work', () => {
  it('unfinishedWorkReading finds the segment backup and the overlapping events (widened); abandonWork takes them out of the queue for good', async () => {
    const { abandonWork, stuckWork, unfinishedWorkReading, claimDue: claim, claimKey, reschedule } = await import('../../src/lib/catalog/outbox.js');
    const db = openDb(mkdtempSync(path.join(os.tmpdir(), 'cctv-outbox-')));
    const T = Date.UTC(2024, 0, 1);
    const iso = (ms: number) => new Date(ms).toISOString();
    const ev = (id: string, from: number, to: number): WorkRequest => ({ key: `event:${id}`, kind: 'event', payload: { v: 1, kind: 'event', id, camera: 'front', state: 'end', at: iso(to), start: iso(from), end: iso(to), labels: ['person'], source: 'onvif' } });
    const seg = (p: string, from: number): WorkRequest => ({ key: `segment:${p}`, kind: 'segment', payload: { v: 1, kind: 'segment', camera: 'front', path: p, start: iso(from), end: iso(from + 60_000), durationSeconds: 60, bytes: 1 } });
    enqueue(db, seg('rec/a.mkv', T), T);
    enqueue(db, ev('inside', T + 10_000, T + 20_000), T);
    enqueue(db, ev('pre-roll-reaches', T + 62_000, T + 70_000), T); // starts 2 s after the segment; pre-roll 5 s
    enqueue(db, ev('later', T + 120_000, T + 130_000), T);
    const id = (key: string) => db.prepare('SELECT id FROM outbox WHERE key = ?').pluck().get(key) as number;
    const reading = unfinishedWorkReading(db, { camera: 'front', path: 'rec/a.mkv', startMs: T, endMs: T + 60_000 }, 5000, 10_000);
    expect(reading.sort()).toEqual([id('segment:rec/a.mkv'), id('event:inside'), id('event:pre-roll-reaches')].sort());
    expect(abandonWork(db, reading, 'recording deleted by emergency prune')).toBe(3);
    expect(claim(db, 'upload', 'w1', 10, T + 1).map((w) => w.key)).toEqual(['event:later']);
    reschedule(db, id('event:later'), 'w1', T, 'HTTP 403');
    for (let i = 0; i < 4; i++) reschedule(db, claimKey(db, 'event:later', 'w1')!.id, 'w1', T, 'HTTP 403');
    const stuck = stuckWork(db);
    expect(stuck).toMatchObject({ failed: 0, retrying: 1, abandoned: 3 });
    expect(stuck.examples.map((e) => e.state).sort()).toEqual(['abandoned', 'abandoned', 'pending']);
    expect(unfinishedReads(db).segmentPaths.size).toBe(0);
  });
});
