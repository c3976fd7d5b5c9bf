import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKey } from '../../src/lib/alerts/message.js';
import { openDb } from '../../src/lib/catalog/db.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';
import { spawnCctv, type Running } from '../helpers/cli.js';
import { vtestPath } from '../helpers/footage.js';
import { waitFor } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

/**
 * Exactly one alert per event across restarts and overlapping events: a real camera replaying pedestrians, `cctv record`,
 * `cctv analyze` fed event records, the local detector, a webhook receiver. analyze is killed with SIGKILL after its
 * live alert; the restarted one sees the same event again and a second one overlapping it within the cooldown. The
 * webhook may get e1's alert twice (at least once, see below), never a second alert.
 */
let dir: string;
let receiver: Receiver;
let cam: TestCamera;
const running: Running[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-live-restart-'));
  const people = path.join(dir, 'people.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', await vtestPath(), '-t', '90', '-an',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-bf', '0', '-pix_fmt', 'yuv420p', people]);
  [cam, receiver] = await Promise.all([TestCamera.start({ file: people }), startReceiver()]);
}, 120_000);
afterAll(async () => {
  for (const r of running) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
  await Promise.all(running.map((r) => r.exited));
  await cam?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (id: string, state: 'start' | 'end', startMs: number) => `${JSON.stringify({
  v: 1, kind: 'event', id, camera: 'front', state, at: new Date(state === 'start' ? startMs : Date.now()).toISOString(),
  start: new Date(startMs).toISOString(), ...(state === 'end' ? { end: new Date().toISOString() } : {}), labels: ['motion'], source: 'manual',
})}\n`;

describe('live alerts across a kill -9 and overlapping events', () => {
  it('one alert: the restarted analyze does not alert the same event again, nor an overlapping one within the cooldown', async () => {
    const configPath = path.join(dir, 'cctv.config.json');
    writeFileSync(configPath, JSON.stringify({
      dataDir: './data',
      cameras: { front: { url: cam.url } },
      alerts: { on: ['person'], cooldownSeconds: 60, webhook: { url: receiver.url }, live: { maxSessions: 2 } },
    }));
    const record = spawnCctv(['--config', configPath, 'record'], { cwd: dir });
    running.push(record);
    await waitFor('the recording', () => existsSync(path.join(dir, 'data', 'catalog.db')) && /"recording"/.test(record.stderr()), 60_000);

    const e1 = Date.now();
    const first = spawnCctv(['--config', configPath, 'analyze'], { cwd: dir });
    running.push(first);
    first.proc.stdin!.write(event('e1', 'start', e1));
    await waitFor('the live alert', () => receiver.requests.length === 1, 90_000);
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(receiver.requests[0]!.body).toMatchObject({ kind: 'alert', eventId: 'e1', camera: 'front' });

    const second = spawnCctv(['--config', configPath, 'analyze'], { cwd: dir });
    running.push(second);
    second.proc.stdin!.write(event('e1', 'start', e1));
    second.proc.stdin!.write(event('e2', 'start', Date.now()));
    await waitFor('both confirmed', () => second.records().filter((r) => r.kind === 'sighting').length === 2, 90_000);
    second.proc.stdin!.write(event('e1', 'end', e1));
    second.proc.stdin!.end(event('e2', 'end', e1 + 1));
    expect(await second.exited).toBe(0);
    const sightings = second.records().filter((r) => r.kind === 'sighting');
    expect(sightings.map((s) => [s.eventId, s.alert]).sort()).toEqual([['e1', true], ['e2', false]]); // e1: alerted before; e2: cooldown
    // Delivery is at least once: a kill -9 between the receiver's answer and the catalog's "delivered" makes the next
    // run send it again, with the same Idempotency-Key. One alert is one key; every request is that alert of e1.
    expect(receiver.requests.map((r) => [r.body.eventId, r.headers['idempotency-key']])).toEqual(
      receiver.requests.map(() => ['e1', deliveryKey({ key: 'e1' })]),
    );

    const db = openDb(path.join(dir, 'data'), { readonly: true });
    expect(db.prepare("SELECT clip_url, alert FROM analyses WHERE clip_url LIKE 'live:%' ORDER BY clip_url").all()).toEqual([
      { clip_url: 'live:e1', alert: 1 }, { clip_url: 'live:e2', alert: 0 },
    ]);
    expect(db.prepare('SELECT event_key, sink FROM alerts_sent').all()).toEqual([{ event_key: 'e1', sink: 'webhook' }]);
    db.close();
    record.proc.kill('SIGINT');
    await record.exited;
  }, 300_000);
});
