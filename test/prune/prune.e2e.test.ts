import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { upsertSegment } from '../../src/lib/catalog/segments.js';
import { recordEvent } from '../../src/lib/catalog/events.js';
import { claimKey, enqueue, markDone } from '../../src/lib/catalog/outbox.js';
import { runCctv, spawnCctv, tempProject } from '../helpers/cli.js';
import { decode } from '../helpers/media.js';
import { waitFor } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

const DAY = 86_400_000;
const H = 3_600_000;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

/** One real 2-second recording (ffmpeg lavfi, H.264 in mkv); fixtures are copies of it. */
let sample: string;
let sampleBytes: number;
beforeAll(() => {
  sample = path.join(mkdtempSync(path.join(os.tmpdir(), 'cctv-prune-')), 'sample.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=2', '-c:v', 'libx264', '-g', '10', sample]);
  sampleBytes = statSync(sample).size;
});

/** Relative path of a segment of `camera` starting at `ms` (the recorder's layout). */
const segPath = (camera: string, ms: number) => {
  const d = iso(ms);
  return `recordings/${camera}/${d.slice(0, 10)}/${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)}.mkv`;
};

/** A project whose catalog holds real segment files `hoursAgo` before now (1 hour long each, front camera). */
function project(retention: Record<string, unknown>, hoursAgo: number[], extra: Record<string, unknown> = {}) {
  const dropDir = mkdtempSync(path.join(os.tmpdir(), 'cctv-drop-'));
  const { dir } = tempProject({
    dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:9/none', dropDir } }, retention, ...extra,
  });
  const dataDir = path.join(dir, 'data');
  const db = openDb(dataDir);
  const paths = hoursAgo.map((h) => {
    const startMs = Math.floor((NOW - h * H) / 1000) * 1000;
    const rel = segPath('front', startMs);
    mkdirSync(path.dirname(path.join(dataDir, rel)), { recursive: true });
    copyFileSync(sample, path.join(dataDir, rel));
    upsertSegment(db, { camera: 'front', path: rel, startMs, endMs: startMs + H, bytes: sampleBytes, closed: true });
    return rel;
  });
  return { dir, dataDir, db, dropDir, paths, at: (h: number) => Math.floor((NOW - h * H) / 1000) * 1000 };
}

const catalogued = (dataDir: string) => {
  const db = new Database(path.join(dataDir, 'catalog.db'), { readonly: true });
  try {
    return (db.prepare('SELECT path FROM segments ORDER BY start_ms').pluck().all() as string[]);
  } finally {
    db.close();
  }
};
const onDisk = (dataDir: string, rels: string[]) => rels.filter((r) => existsSync(path.join(dataDir, r)));
const event = (id: string, startMs: number, endMs: number) => ({
  v: 1 as const, kind: 'event' as const, id, camera: 'front', state: 'end' as const, at: iso(endMs), start: iso(startMs), end: iso(endMs),
  labels: ['person'], source: 'onvif' as const,
});

describe('cctv prune (real files, real catalog)', () => {
  it('age, event protection, pending uploads, drop-folder clips, unknown and missing files; --dry-run deletes nothing', async () => {
    const days = [10 * 24 + 2, 10 * 24 + 1, 10 * 24, 9 * 24, 2 * 24];
    const p = project({ recordingsDays: 7, keepEventsDays: 30, maxDiskGb: 100, minFreeGb: 0 }, days);
    const [old1, evented, old3, pending, recent] = p.paths as [string, string, string, string, string];
    // An event inside the second segment (kept for keepEventsDays), an event awaiting its upload over the fourth.
    recordEvent(p.db, event('ev-kept', p.at(10 * 24 + 1) + 60_000, p.at(10 * 24 + 1) + 120_000));
    enqueue(p.db, { key: 'event:ev-pending', kind: 'event', payload: event('ev-pending', p.at(9 * 24) + 60_000, p.at(9 * 24) + 90_000) });
    // A catalogued segment whose file is gone; a file the catalog does not know.
    upsertSegment(p.db, { camera: 'front', path: segPath('front', p.at(5 * 24)), startMs: p.at(5 * 24), endMs: p.at(5 * 24) + H, bytes: 5, closed: true });
    const unknown = segPath('front', p.at(8 * 24) + 1000);
    mkdirSync(path.dirname(path.join(p.dataDir, unknown)), { recursive: true });
    copyFileSync(sample, path.join(p.dataDir, unknown));
    // Drop-folder clips 9 days old: one uploaded, one not yet.
    const clip = (name: string, done: boolean) => {
      const file = path.join(p.dropDir, name);
      writeFileSync(file, 'clip bytes');
      enqueue(p.db, { key: `file:${name}`, kind: 'file', payload: { v: 1, kind: 'clip', camera: 'front', path: file, at: iso(NOW - 9 * DAY) } });
      if (done) markDone(p.db, claimKey(p.db, `file:${name}`, 'test-worker')!.id, 'test-worker');
      return file;
    };
    const uploadedClip = clip('a.mp4', true);
    const waitingClip = clip('b.mp4', false);
    // Gaps: one before the oldest recording that stays (it goes with the recordings), one after it (it stays), and an
    // old one of a camera that has no recording left (older than recordingsDays: it goes).
    const gap = (camera: string, fromMs: number, toMs: number) =>
      p.db.prepare('INSERT INTO gaps (camera, from_ms, to_ms, reason) VALUES (?, ?, ?, ?)').run(camera, fromMs, toMs, 'ffmpeg exited');
    gap('front', p.at(10 * 24 + 3), p.at(10 * 24 + 2));
    gap('front', p.at(9 * 24 + 1), p.at(9 * 24));
    gap('gone', p.at(20 * 24), p.at(20 * 24 - 1));
    p.db.close();

    // A clock a day behind the newest recording (a step back, a dead RTC before NTP): nothing goes by age.
    const behind = await runCctv(['prune'], { cwd: p.dir, wrap: ['faketime', '-f', '-3d'] });
    expect(behind.code, behind.stderr).toBe(0);
    expect(behind.stderr).toMatch(/the clock is earlier than the newest recording: no deletion by age/);
    expect(behind.records().at(-1)).toMatchObject({ segments: { files: 1, byReason: { missing: 1 } }, localClips: { files: 0 }, gaps: 1 });
    expect((behind.records().at(-1)!.clockBehindMs as number) > DAY).toBe(true); // 3 days back, the newest ended 2 days ago
    expect(onDisk(p.dataDir, p.paths)).toEqual(p.paths);

    const dry = await runCctv(['prune', '--dry-run'], { cwd: p.dir });
    expect(dry.code, dry.stderr).toBe(0);
    const items = dry.records().filter((r) => r.kind === 'prune-item').map((r) => `${r.what} ${r.path} ${r.reason}`);
    expect(items.sort()).toEqual([`local-clip ${uploadedClip} uploaded`, `segment ${old1} age`, `segment ${old3} age`].sort());
    expect(onDisk(p.dataDir, p.paths)).toEqual(p.paths);
    expect(existsSync(uploadedClip)).toBe(true);

    const run = await runCctv(['prune'], { cwd: p.dir });
    expect(run.code, run.stderr).toBe(0);
    const summary = run.records().at(-1)!;
    expect(summary).toMatchObject({
      kind: 'prune-summary', dryRun: false, segments: { files: 2, bytes: 2 * sampleBytes, byReason: { age: 2 } },
      localClips: { files: 1, bytes: 10 }, kept: { open: 0, inUse: 1, eventProtected: 1 }, skipped: 0, errors: [], gaps: 1, clockBehindMs: 0,
      unknownFiles: { count: 1, examples: [unknown] }, oldestKept: { front: iso(p.at(10 * 24 + 1)) },
    });
    expect(onDisk(p.dataDir, p.paths)).toEqual([evented, pending, recent]);
    expect(catalogued(p.dataDir)).toEqual([evented, pending, recent]);
    expect(existsSync(path.join(p.dataDir, unknown))).toBe(true);
    expect(existsSync(uploadedClip)).toBe(false);
    expect(existsSync(waitingClip)).toBe(true);
    const gapsLeft = new Database(path.join(p.dataDir, 'catalog.db'), { readonly: true });
    expect(gapsLeft.prepare('SELECT camera, from_ms FROM gaps').all()).toEqual([{ camera: 'front', from_ms: p.at(9 * 24 + 1) }]);
    gapsLeft.close();
  }, 30_000);

  it('disk quota: oldest first until under it, event-protected segments stay; the TTY-less summary is one JSON line', async () => {
    // Five 1-hour segments, a quota of 2.5 of them; the oldest is event-protected, so the next three oldest go.
    const p = project({ recordingsDays: 7, keepEventsDays: 30, maxDiskGb: (2.5 * sampleBytes) / 1e9, minFreeGb: 0 }, [50, 40, 30, 20, 10]);
    recordEvent(p.db, event('ev', p.at(50) + 1000, p.at(50) + 2000));
    p.db.close();
    const run = await runCctv(['prune'], { cwd: p.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.records()).toHaveLength(1);
    expect(run.records()[0]).toMatchObject({ segments: { files: 3, byReason: { quota: 3 } }, quotaShortfallBytes: 0 });
    expect(catalogued(p.dataDir)).toEqual([p.paths[0], p.paths[4]]);
    expect(onDisk(p.dataDir, p.paths)).toEqual([p.paths[0], p.paths[4]]);
  }, 30_000);

  it('emergency mode during a real `cctv record`: closed segments go (events, then what upload work reads: that work is abandoned), the one being written stays', async () => {
    const cam = await TestCamera.start();
    try {
      // Free space can never reach a floor of 1 PB: emergency mode deletes everything it may.
      const p = project({ recordingsDays: 7, keepEventsDays: 30, maxDiskGb: 100, minFreeGb: 1e6 }, [30, 20, 10]);
      writeFileSync(path.join(p.dir, 'cctv.config.yaml'), `dataDir: ./data
cameras: { front: { url: "${cam.url}" } }
record: { segmentSeconds: 10 }
retention: { recordingsDays: 7, keepEventsDays: 30, maxDiskGb: 100, minFreeGb: 1000000 }
`);
      recordEvent(p.db, event('ev-old', p.at(30) + 1000, p.at(30) + 2000)); // protected, but not in an emergency
      enqueue(p.db, { key: 'event:ev-pending', kind: 'event', payload: event('ev-pending', p.at(20) + 1000, p.at(20) + 2000) });
      const segments = () => p.db.prepare('SELECT path, closed FROM segments WHERE start_ms > ? ORDER BY start_ms').all(NOW - H) as { path: string; closed: number }[];
      const rec = spawnCctv(['record'], { cwd: p.dir });
      try {
        await waitFor('two closed live segments', () => segments().filter((s) => s.closed === 1).length >= 2, 60_000);
        const before = segments();
        const open = before.filter((s) => s.closed === 0).map((s) => s.path);
        expect(open).toHaveLength(1);
        const run = await runCctv(['prune'], { cwd: p.dir });
        expect(run.code, run.stderr).toBe(0);
        const summary = run.records().at(-1)!;
        expect(summary).toMatchObject({ kept: { open: 1, inUse: 0, eventProtected: 0 }, abandonedWork: 1, errors: [] });
        expect((summary.emergencyShortfallBytes as number) > 0).toBe(true);
        // The segment being written was not touched; every other went, the one a pending upload needed too: that
        // work is abandoned, saying why (recording wins over stuck work).
        expect(existsSync(path.join(p.dataDir, open[0]!))).toBe(true);
        expect(onDisk(p.dataDir, p.paths)).toEqual([]);
        expect(p.db.prepare("SELECT state, last_error FROM outbox WHERE key = 'event:ev-pending'").get()).toEqual({
          state: 'abandoned', last_error: `abandoned: recording ${p.paths[1]} deleted by emergency pruning (free space below retention.minFreeGb)`,
        });
        expect(onDisk(p.dataDir, before.filter((s) => s.closed === 1).map((s) => s.path))).toEqual([]);
        const left = catalogued(p.dataDir);
        expect(left).toContain(open[0]);
        for (const rel of left) expect(existsSync(path.join(p.dataDir, rel)), rel).toBe(true);
        // Recording goes on: the open segment closes and a new one follows, both decodable.
        await waitFor('recording continues', () => segments().filter((s) => s.closed === 1 && !before.some((b) => b.path === s.path)).length >= 1, 30_000);
      } finally {
        rec.proc.kill('SIGINT');
        expect(await rec.exited).toBe(0);
      }
      const after = segments().filter((s) => s.closed === 1);
      expect(after.length).toBeGreaterThanOrEqual(2);
      for (const s of after.slice(-2)) expect(decode(path.join(p.dataDir, s.path)).frames).toBeGreaterThan(0);
      for (const rel of catalogued(p.dataDir)) expect(existsSync(path.join(p.dataDir, rel)), rel).toBe(true);
      p.db.close();
    } finally {
      await cam.stop();
    }
  }, 120_000);
});
