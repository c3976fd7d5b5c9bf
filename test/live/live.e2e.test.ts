import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';
import { BIN, spawnCctv } from '../helpers/cli.js';
import { makeEmptyScene, vtestPath } from '../helpers/footage.js';
import { startOnvifDevice, type OnvifDevice } from '../helpers/onvif-device/index.mjs';
import { waitFor } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

/**
 * Live analysis end to end, every part real: an RTSP test camera replaying footage, `cctv record` writing mkv, the test
 * ONVIF device raising motion, `cctv watch-events | cctv upload | cctv analyze` (the local detector), a webhook receiver.
 */
let dir: string;
let people: string;
let empty: string;
let receiver: Receiver;
const stops: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-live-e2e-'));
  // Real pedestrians (Debian's vtest.avi) as an H.264 camera stream, a keyframe every second.
  people = path.join(dir, 'people.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', await vtestPath(), '-t', '60', '-an',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-bf', '0', '-pix_fmt', 'yuv420p', people]);
  empty = await makeEmptyScene(dir, 60);
  receiver = await startReceiver();
}, 120_000);
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The whole setup for one camera replaying `footage`; returns what the test drives. */
async function setup(footage: string, name: string) {
  const cam = await TestCamera.start({ file: footage });
  stops.push(() => cam.stop());
  const device = await startOnvifDevice({ profile: 'hikvision' });
  stops.push(() => device.close());
  const project = path.join(dir, name);
  const configPath = path.join(project, 'cctv.config.json');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(configPath, JSON.stringify({
    dataDir: './data',
    cameras: { front: { url: cam.url, onvif: { host: '127.0.0.1', port: device.port, username: 'admin', password: 'secret' } } },
    record: { segmentSeconds: 900 },
    events: { preRollSeconds: 1, postRollSeconds: 1, mergeGapSeconds: 0 },
    alerts: { on: ['person'], cooldownSeconds: 60, webhook: { url: receiver.url }, publicUrl: 'http://nvr.local:8080', live: { maxSessions: 2 } },
  }));
  const record = spawnCctv(['--config', configPath, 'record'], { cwd: project });
  stops.push(() => stopProcess(record.proc));
  await waitFor('the recording', () => existsSync(path.join(project, 'data', 'catalog.db')) && /"recording"/.test(record.stderr()), 60_000);
  const cli = `${process.execPath} ${BIN} --config ${configPath}`;
  const pipeline = spawn('sh', ['-c', `${cli} watch-events | ${cli} upload | ${cli} analyze`], { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  pipeline.stdout!.on('data', (d) => (out += d));
  pipeline.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => pipeline.once('close', (code) => r(code)));
  stops.push(async () => {
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-pipeline.pid!, s);
      } catch {
        // the group is gone already
      }
    };
    signal('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    signal('SIGKILL');
  });
  const records = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  await waitFor('watch-events subscribed', () => /camera front: subscribed/.test(err), 30_000);
  return { project, device, record, records, log: () => err, exited };
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const gone = new Promise((r) => p.once('close', r));
  p.kill('SIGINT');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
  if (p.exitCode === null) p.kill('SIGKILL');
}

describe('live analysis (real camera, ONVIF device, detector, webhook)', () => {
  it('a person in view while motion is held: one alert with its snapshot before the event ends, none more after it', async () => {
    const alertsBefore = receiver.requests.length;
    const s = await setup(people, 'person');
    const motionAt = s.device.trigger('motion', true);
    const alert = await waitFor('the live alert', () => receiver.requests.slice(alertsBefore)[0], 45_000);
    const arrivedMs = alert.at - motionAt;
    // Still in the event: motion is held until now.
    s.device.trigger('motion', false);
    expect(alert.body).toMatchObject({ kind: 'alert', camera: 'front', detector: 'local' });
    expect((alert.body.labels as { name: string }[]).map((l) => l.name)).toEqual(['person']);
    const eventId = alert.body.eventId as string;
    const start = s.records().find((r) => r.kind === 'event' && r.id === eventId)!.start as string;
    expect(alert.body.clip).toBe(`http://nvr.local:8080/media/event/front/${eventId}?at=${Date.parse(start)}`);
    expect(alert.body.poster).toBe(`http://nvr.local:8080/media/event/front/${eventId}/snapshot.jpg?at=${Date.parse(start)}`);
    const sighting = await waitFor('the sighting record', () => s.records().find((r) => r.kind === 'sighting'));
    expect(sighting).toMatchObject({ eventId, camera: 'front', alert: true, detector: 'local' });

    // The end-of-event analysis runs, keeps the live labels, says alert: true, and sends nothing more.
    const analyzed = await waitFor('the end-of-event analysis', () => s.records().find((r) => r.kind === 'analyzed' && r.eventId === eventId), 90_000);
    expect(analyzed.alert).toBe(true);
    expect((analyzed.labels as { name: string }[]).map((l) => l.name)).toContain('person');
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.requests.length - alertsBefore).toBe(1);

    const db = openDb(path.join(s.project, 'data'), { readonly: true });
    const snapshot = db.prepare("SELECT count(*) AS n FROM analyses WHERE clip_url = ? AND alert = 1").get(`live:${eventId}`);
    db.close();
    expect(snapshot).toEqual({ n: 1 });
    const files = execFileSync('find', [path.join(s.project, 'data'), '-path', '*snapshots*', '-name', '*.jpg'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(files).toHaveLength(1);
    const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', files[0]!], { encoding: 'utf8' }).trim();
    expect(probe).toBe('mjpeg,768,576'); // the camera's own aspect, boxes drawn on it
    console.log(`live alert ${arrivedMs} ms after motion was raised`);
    if (process.env.LIVE_DEBUG) console.log(s.log().split('\n').filter((l) => /live|event|analy|subscrib/i.test(l)).join('\n'));
  }, 240_000);

  it('an empty scene with a flickering light and motion held: no alert', async () => {
    const alertsBefore = receiver.requests.length;
    const s = await setup(empty, 'empty');
    s.device.trigger('motion', true);
    await waitFor('a live session', () => /live: session|"event"/.test(s.log()) || s.records().some((r) => r.kind === 'event'), 20_000);
    await new Promise((r) => setTimeout(r, 8000));
    s.device.trigger('motion', false);
    const analyzed = await waitFor('the end-of-event analysis', () => s.records().find((r) => r.kind === 'analyzed'), 90_000);
    expect(analyzed.alert).toBe(false);
    expect(s.records().filter((r) => r.kind === 'sighting')).toEqual([]);
    expect(receiver.requests.length - alertsBefore).toBe(0);
  }, 240_000);
});

