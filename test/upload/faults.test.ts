import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { runCctv, spawnCctv, tempProject } from '../helpers/cli.js';
import { waitFor } from '../helpers/ports.js';
import { makeSegment } from './fixtures.js';

/** Issue 11 through the real binary and the real catalog: drains that end, stops that stop, events that never end. */
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const event = (id: string, state: 'start' | 'end', startMs: number, endMs?: number) =>
  JSON.stringify({
    v: 1, kind: 'event', id, camera: 'front', state, at: iso(endMs ?? startMs), start: iso(startMs), ...(endMs ? { end: iso(endMs) } : {}),
    labels: ['person'], source: 'onvif', topic: 'x',
  });

/** Storage that refuses every connection (nothing listens on port 1): a storage outage. */
const downStorage = { url: 's3://bucket/x', region: 'us-east-1', endpoint: 'http://127.0.0.1:1', forcePathStyle: true };
const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

function project(over: Record<string, unknown> = {}) {
  const p = tempProject({
    dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } }, events: { preRollSeconds: 1, postRollSeconds: 1, maxEventSeconds: 20 },
    storage: { url: 'file://./archive' }, ...over,
  });
  return { ...p, dataDir: path.join(p.dir, 'data') };
}

/** 20 s of recordings of `front` from T0 in the catalog and on disk. */
async function recorded(dataDir: string): Promise<void> {
  const db = openDb(dataDir);
  await makeSegment(db, dataDir, 'front', T0, 20);
  db.close();
}

describe('cctv upload under faults (issue 11)', () => {
  it('a cron drain ends while storage is down (leaving the work queued, exit 1); a second drain meanwhile does not stack', async () => {
    const p = project({ storage: downStorage, upload: { drainWaitSeconds: 6 } });
    await recorded(p.dataDir);
    const fill = await runCctv(['upload'], { cwd: p.dir, input: '' }); // nothing queued yet: ends at once
    expect(fill.code, fill.stderr).toBe(0);

    // Queue one event with input open, then let the drains run with no input (</dev/null-like: empty stdin at once).
    const first = spawnCctv(['upload'], { cwd: p.dir, env, input: `${event('e1', 'end', T0 + 5000, T0 + 8000)}\n` });
    try {
      await waitFor('a failed attempt', () => first.stderr().includes('upload failed; will retry'), 30_000, 50);
      const second = await runCctv(['upload'], { cwd: p.dir, env, input: '' });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/another cctv upload is draining the outbox \(pid \d+/);
      expect(await first.exited, first.stderr().slice(-2500)).toBe(1);
    } finally {
      first.proc.kill('SIGKILL');
    }
    expect(first.stderr()).toMatch(/storage failing since .*1 item left queued for the next run/);
    const after = openDb(p.dataDir);
    expect(after.prepare("SELECT state, owner FROM outbox WHERE key = 'event:e1'").get()).toEqual({ state: 'pending', owner: null });
    expect(after.prepare('SELECT COUNT(*) FROM workers').pluck().get()).toBe(0); // both retired
    after.close();
  }, 120_000);

  it('SIGTERM while stdin is still open: upload stops at once (exit 0), its work left queued', async () => {
    const p = project({ storage: downStorage });
    await recorded(p.dataDir);
    const run = spawnCctv(['upload'], { cwd: p.dir, env });
    run.proc.stdin!.write(`${event('e2', 'end', T0 + 5000, T0 + 8000)}\n`); // stdin stays open: a pipeline stage
    await waitFor('a failed attempt', () => run.stderr().includes('upload failed; will retry'), 30_000, 50);
    const t = Date.now();
    run.proc.kill('SIGTERM');
    const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('hung'), 30_000))]);
    run.proc.kill('SIGKILL');
    expect(code, run.stderr()).toBe(0);
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(run.stderr().slice(-2500)).toContain("left queued for the next run");
  }, 90_000);

  it('a work folder that cannot be created is a failed attempt, never an unhandled rejection', async () => {
    const p = project();
    await recorded(p.dataDir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(p.dataDir, 'tmp'), 'a file where the work folders go'); // ENOTDIR, like EACCES or ENOSPC
    const run = spawnCctv(['upload'], { cwd: p.dir });
    run.proc.stdin!.write(`${event('e3', 'end', T0 + 5000, T0 + 8000)}\n`);
    await waitFor('a failed attempt', () => run.stderr().includes('upload failed; will retry'), 30_000, 50);
    run.proc.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).not.toMatch(/unhandled/i);
  }, 90_000);

  it('orphans: an event whose end never came is closed when its source starts another, and by age in the next drain; each gets its clip, marked', async () => {
    const p = project();
    const db = openDb(p.dataDir);
    await makeSegment(db, p.dataDir, 'front', T0, 60);
    db.close();
    // o1 starts, its end is lost (watch-events killed), o2 starts and ends: o1 is closed at o2's start.
    // o3 starts and its watcher dies for good: the next drain closes it maxEventSeconds after its start.
    const input = [event('o1', 'start', T0 + 5000), event('o2', 'start', T0 + 15_000), event('o2', 'end', T0 + 15_000, T0 + 18_000), event('o3', 'start', T0 + 30_000), ''].join('\n');
    const r = await runCctv(['upload'], { cwd: p.dir, input });
    expect(r.code, r.stderr).toBe(0);
    const drain = await runCctv(['upload'], { cwd: p.dir, input: '' });
    expect(drain.code, drain.stderr).toBe(0);
    const up = [...r.records(), ...drain.records()].filter((x) => x.kind === 'uploaded');
    expect(up.map((u) => [u.eventId, u.orphaned ?? false]).sort()).toEqual([['o1', true], ['o2', false], ['o3', true]]);
    const after = openDb(p.dataDir);
    const rows = after.prepare('SELECT id, end_ms AS endMs, end_reason AS reason FROM events ORDER BY id').all();
    after.close();
    expect(rows).toEqual([
      { id: 'o1', endMs: T0 + 15_000, reason: 'orphaned' }, // proved over by o2's start
      { id: 'o2', endMs: T0 + 18_000, reason: null },
      { id: 'o3', endMs: T0 + 30_000 + 20_000, reason: 'orphaned' }, // start + maxEventSeconds
    ]);
  }, 120_000);

  it('claims belong to a run, not a PID: work claimed by a gone run whose PID now belongs to a live process is taken over by the next drain', async () => {
    const p = project();
    await recorded(p.dataDir);
    const queued = await runCctv(['upload'], { cwd: p.dir, input: '' });
    expect(queued.code, queued.stderr).toBe(0);
    const q = openDb(p.dataDir);
    // A predecessor (a container restarted: the same PID, here this test's own, live) claimed the item, then died.
    const { enqueue } = await import('../../src/lib/catalog/outbox.js');
    enqueue(q, { key: 'event:e4', kind: 'event', payload: JSON.parse(event('e4', 'end', T0 + 5000, T0 + 8000)) });
    q.prepare(`INSERT INTO workers (id, command, pid, host, machine, role, started_ms, heartbeat_ms) VALUES ('upload-gone', 'upload', ?, 'old', 'another-boot/pid:[1]', NULL, ?, ?)`)
      .run(process.pid, Date.now() - 120_000, Date.now() - 60_000);
    q.prepare("UPDATE outbox SET owner = 'upload-gone', claimed_ms = ? WHERE key = 'event:e4'").run(Date.now() - 60_000);
    q.close();
    const drain = await runCctv(['upload'], { cwd: p.dir, input: '' });
    expect(drain.code, drain.stderr).toBe(0);
    expect(drain.records().map((r) => r.eventId)).toEqual(['e4']);
    const after = openDb(p.dataDir);
    expect(after.prepare("SELECT state FROM outbox WHERE key = 'event:e4'").pluck().get()).toBe('done');
    expect(after.prepare('SELECT COUNT(*) FROM workers').pluck().get()).toBe(0);
    after.close();
  }, 90_000);
});
