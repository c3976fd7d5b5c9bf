import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFacts } from '../../src/lib/alerts/facts.js';
import { setArming } from '../../src/lib/catalog/alerting.js';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { recordEvent } from '../../src/lib/catalog/events.js';
import { enqueue } from '../../src/lib/catalog/outbox.js';
import { upsertSegment } from '../../src/lib/catalog/segments.js';
import { configSchema } from '../../src/lib/config/schema.js';
import { isRecording } from '../../src/lib/record/paths.js';

const T = Date.UTC(2024, 4, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

describe('isRecording', () => {
  it.each([
    ['no file', null, 20, T, false],
    ['written just now', T - 1000, 20, T, true],
    ['written stallSeconds ago', T - 20_000, 20, T, false],
    ['a short stallSeconds counts as 10 s', T - 9000, 3, T, true],
    ['older than 10 s with a short stallSeconds', T - 10_000, 3, T, false],
  ])('%s', (_name, writtenMs, stallSeconds, nowMs, want) => {
    expect(isRecording(writtenMs, stallSeconds, nowMs)).toBe(want);
  });
});

describe('readFacts: the Home Assistant sensors from the catalog and the files', () => {
  let dir: string;
  let db: Db | undefined;
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recording from the newest segment file, the newest event, the snooze switch, the pending uploads, the disk', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-facts-'));
    db = openDb(dir);
    const config = configSchema.parse({
      dataDir: dir, record: { stallSeconds: 20 },
      cameras: { front: { url: 'rtsp://127.0.0.1:1/a' }, back: { url: 'rtsp://127.0.0.1:1/b' }, side: { url: 'rtsp://127.0.0.1:1/c' } },
    });
    const now = Date.now();
    // front: its newest segment's file was written 2 s ago; back: its newest file stopped growing a minute ago.
    for (const [camera, writtenMs] of [['front', now - 2000], ['back', now - 60_000]] as const) {
      const rel = `recordings/${camera}/2024-05-01/120000.mkv`;
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), 'x');
      utimesSync(path.join(dir, rel), writtenMs / 1000, writtenMs / 1000);
      upsertSegment(db, { camera, path: rel, startMs: T, endMs: T, bytes: 1, closed: false });
    }
    for (const [id, startMs] of [['e1', T], ['e2', T + 60_000]] as const) {
      recordEvent(db, { v: 1, kind: 'event', id, camera: 'front', state: 'start', at: iso(startMs), start: iso(startMs), labels: ['motion'], source: 'onvif' });
    }
    setArming(db, 'back', { armed: false, untilMs: null, changedMs: now });
    enqueue(db, { key: 'event:e1', kind: 'event', payload: { v: 1, kind: 'event', id: 'e1', camera: 'front', state: 'end', at: iso(T + 9000), start: iso(T), end: iso(T + 8000), labels: [], source: 'onvif' } });

    const f = readFacts(db, config, now);
    expect(f.cameras).toEqual([
      { name: 'front', recording: true, lastEventAt: iso(T + 60_000), armed: true },
      { name: 'back', recording: false, lastEventAt: null, armed: false },
      { name: 'side', recording: false, lastEventAt: null, armed: true },
    ]);
    expect(f.uploadBacklog).toBe(1);
    expect(f.diskFreeGb).toBeGreaterThan(0);
  });
});
