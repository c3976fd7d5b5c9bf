import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, symlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, type Running } from '../helpers/cli.js';
import { decode } from '../helpers/media.js';
import { waitFor } from '../helpers/ports.js';
import { catalogRows, eventLoopDelays, holdWriteLock, killedAfterEach, stop } from '../helpers/record.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

/**
 * `cctv record` when the catalog cannot take writes for a while: another process holding the write lock past the
 * busy timeout, and a full disk under the catalog (a real SQLITE_FULL). The recording goes on, the rows catch up,
 * the process never stalls nor dies.
 */
const spawnCctv = killedAfterEach();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const recordingsOnDisk = (root: string) =>
  readdirSync(root).filter((d) => !d.startsWith('.')).flatMap((day) => readdirSync(path.join(root, day)).map((f) => path.join(day, f))).sort();

/** What every run must show: no crash, no stall, no restart of ffmpeg, and the catalog caught up with the disk. */
function expectRecordedThrough(rec: Running, dataDir: string, recordingsDir: string) {
  expect(rec.stderr()).not.toMatch(/unhandled|uncaught/i);
  expect(rec.stderr()).not.toMatch(/no new frames|recording stopped/);
  const { segments, gaps } = catalogRows(dataDir, 'front');
  expect(gaps).toEqual([]);
  // Every file ffmpeg wrote is catalogued, closed, contiguous with the one before, and decodes.
  expect(segments.map((s) => path.relative('recordings/front', s.path)).sort()).toEqual(recordingsOnDisk(recordingsDir));
  expect(segments.every((s) => s.closed === 1)).toBe(true);
  for (const [i, s] of segments.entries()) {
    if (i > 0) expect(s.start_ms - segments[i - 1]!.end_ms).toBeLessThanOrEqual(40);
    expect(statSync(path.join(recordingsDir, path.relative('recordings/front', s.path))).size).toBe(s.bytes);
  }
  expect(decode(path.join(recordingsDir, path.relative('recordings/front', segments[0]!.path))).frames).toBeGreaterThan(0);
}

describe('cctv record survives a catalog it cannot write', () => {
  let cam: TestCamera;
  beforeAll(async () => {
    cam = await TestCamera.start();
  });
  afterAll(async () => {
    await cam?.stop();
  });

  // stallSeconds 8 in both: on a busy machine the test camera itself was seen to pause 4 s. A blocked recorder is
  // caught by the event-loop delay bound (the old busy-wait blocked it 10-20 s).
  it('another process holds the write lock for 12 s (past the 10 s busy timeout): recording goes on, the event loop never stalls, rows catch up', async () => {
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url: cam.url } }, record: { segmentSeconds: 10, stallSeconds: 8 } });
    const dataDir = path.join(dir, 'data');
    const rec = spawnCctv(['record', '--log-level', 'debug'], { cwd: dir });
    await waitFor('recording', () => existsSync(path.join(dataDir, 'catalog.db')) && catalogRows(dataDir, 'front').segments.length > 0, 30_000, 100);
    const lock = await holdWriteLock(dataDir, 12_000);
    const lockedAt = Date.now();
    try {
      await lock.released;
    } finally {
      lock.kill();
    }
    // The lock spanned a segment boundary: that segment closed while the catalog refused it, and is caught up now.
    const caughtUp = await waitFor('the rows kept during the lock', () => catalogRows(dataDir, 'front').segments.find((s) => s.closed === 1 && s.end_ms > lockedAt), 20_000, 100);
    expect(caughtUp.end_ms).toBeGreaterThan(lockedAt);
    expect(rec.proc.exitCode).toBeNull();
    expect(rec.stderr()).toMatch(/catalog not writable.*SQLITE_BUSY|SQLITE_BUSY.*catalog not writable/);
    await waitFor('the catch-up logged', () => /catalog writable again/.test(rec.stderr()), 10_000, 100); // logged just after the rows commit
    await sleep(5500); // one more event-loop report after the lock
    expect(await stop(rec)).toBe(0);
    // Before: a write waited 10 s in SQLite's busy handler, blocking everything (then the stall watchdog restarted
    // ffmpeg). Now a write waits at most 100 ms and is retried later: 2 s is 20x that.
    const delays = eventLoopDelays(rec.stderr());
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...delays)).toBeLessThan(2000);
    expectRecordedThrough(rec, dataDir, path.join(dataDir, 'recordings', 'front'));
  }, 90_000);

  it('the disk under the catalog fills up (SQLITE_FULL on a real small tmpfs): recording goes on, rows catch up once space is back', async () => {
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url: cam.url } }, record: { segmentSeconds: 10, stallSeconds: 8 } });
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    // The catalog alone on a 4 MB tmpfs; the recordings on the ordinary disk (recordings/ is a symlink), so only
    // SQLite meets the full disk.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dataDir]);
    try {
      const recordingsRoot = path.join(dir, 'recordings');
      mkdirSync(recordingsRoot);
      symlinkSync(recordingsRoot, path.join(dataDir, 'recordings'));
      const rec = spawnCctv(['record'], { cwd: dir });
      await waitFor('recording', () => existsSync(path.join(dataDir, 'catalog.db')) && catalogRows(dataDir, 'front').segments.length > 0, 30_000, 100);
      const filler = path.join(dataDir, 'filler');
      const fd = openSync(filler, 'w');
      try {
        const chunk = Buffer.alloc(16 * 1024);
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const fullAt = Date.now();
      await waitFor('SQLite to meet the full disk', () => /catalog not writable/.test(rec.stderr()), 15_000, 100);
      expect(rec.stderr()).toMatch(/SQLITE_FULL|SQLITE_IOERR/);
      await sleep(Math.max(0, fullAt + 12_000 - Date.now())); // past a segment boundary
      rmSync(filler);
      const caughtUp = await waitFor('the rows kept while the disk was full', () => catalogRows(dataDir, 'front').segments.find((s) => s.closed === 1 && s.end_ms > fullAt), 20_000, 100);
      expect(caughtUp.end_ms).toBeGreaterThan(fullAt);
      expect(rec.proc.exitCode).toBeNull();
      await waitFor('the catch-up logged', () => /catalog writable again/.test(rec.stderr()), 10_000, 100); // logged just after the rows commit
      expect(await stop(rec)).toBe(0);
      expectRecordedThrough(rec, dataDir, path.join(recordingsRoot, 'front'));
    } finally {
      execFileSync('umount', ['-l', dataDir]);
    }
  }, 90_000);
});
