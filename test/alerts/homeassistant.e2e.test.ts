import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCctv, spawnCctv, tempProject, type Running } from '../helpers/cli.js';
import { vtestClip, vtestPath } from '../helpers/footage.js';
import { decodeJpeg } from '../helpers/media.js';
import { waitFor } from '../helpers/ports.js';
import { discoveryProblems } from './ha-docs.js';
import { startMosquitto, subscribe, type Broker } from './mosquitto.js';
import { startReceiver, type Receiver } from './receiver.js';

/**
 * Home Assistant's side of MQTT, with the real `cctv` binary, a real mosquitto and the local detector on real
 * pedestrian footage: availability (online, and offline by the last will when the process is killed with -9), every
 * discovery payload checked against the keys Home Assistant documents, the alerts switch persisted and honoured,
 * the snapshot JPEG on the image topic, the occupancy ON never replayed after the process died, and a camera removed
 * from the configuration removed from Home Assistant. (Home Assistant itself is not installable here.)
 */
let dir: string;
let vtA: string;
let vtB: string;
let broker: Broker;
let receiver: Receiver;
let sub: Awaited<ReturnType<typeof subscribe>>;
const running: Running[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cctv-ha-e2e-'));
  const src = await vtestPath();
  vtA = vtestClip(src, dir, 'a.mp4', 0, 40);
  vtB = vtestClip(src, dir, 'b.mp4', 30, 20);
  [broker, receiver] = await Promise.all([startMosquitto(), startReceiver()]);
  sub = await subscribe(broker.url, '#');
}, 60_000);
afterAll(async () => {
  for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  await sub?.close();
  await Promise.all([broker?.stop(), receiver?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const messages = (topic: string, since: number) => sub.messages.filter((m) => m.topic === topic && m.at >= since);
const latest = (topic: string, since: number) => messages(topic, since).at(-1)?.payload;

describe('Home Assistant over MQTT with the real cctv binary', () => {
  const config = (cameras: string[]) => ({
    dataDir: './data',
    cameras: Object.fromEntries(cameras.map((c) => [c, { url: `rtsp://127.0.0.1:1/${c}` }])),
    storage: { url: 'file://./archive' },
    alerts: { on: ['person'], webhook: { url: receiver.url }, mqtt: { url: broker.url, offAfterSeconds: 5 }, publicUrl: 'http://nvr.local:8080' },
  });
  let project: { dir: string; configPath: string };
  const start = (args: string[], input?: string) => {
    const r = spawnCctv(args, { cwd: project.dir, ...(input !== undefined ? { input } : {}) });
    running.push(r);
    return r;
  };

  it('a running cctv is online, publishes discovery Home Assistant accepts, and takes the alerts switch', async () => {
    project = tempProject(config(['front', 'back']));
    const t0 = Date.now();
    const p1 = start(['analyze']); // stdin stays open: a long-running pipeline stage
    await waitFor('online', () => latest('cctv/status', t0) === 'online', 30_000, 20);
    await waitFor('sensors', () => messages('cctv/server/disk_free', t0).length > 0, 10_000, 20);
    const configs = sub.messages.filter((m) => m.at >= t0 && m.topic.startsWith('homeassistant/device/'));
    expect(configs.map((m) => m.topic).sort()).toEqual([
      'homeassistant/device/cctv/config', 'homeassistant/device/cctv_back/config', 'homeassistant/device/cctv_front/config',
    ]);
    for (const c of configs) {
      expect(c.retain).toBe(false); // delivered live; retained for Home Assistant's next start
      expect(discoveryProblems(JSON.parse(c.payload) as Record<string, unknown>), c.topic).toEqual([]);
    }
    expect([latest('cctv/front/person', t0), latest('cctv/back/person', t0), latest('cctv/front/alerts', t0), latest('cctv/front/recorder', t0)]).toEqual([
      'OFF', 'OFF', 'ON', 'stopped',
    ]);

    // Home Assistant turns the front camera's alerts off.
    const ha = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await ha.publishAsync('cctv/front/alerts/set', 'OFF', { qos: 1 });
    await waitFor('switch OFF', () => latest('cctv/front/alerts', t0) === 'OFF', 10_000, 20);
    await ha.endAsync();

    p1.proc.stdin!.end();
    expect(await p1.exited, p1.stderr()).toBe(0);
    expect(latest('cctv/status', t0)).toBe('offline'); // a clean stop says so itself
  }, 60_000);

  it('the switch is persisted: a snoozed camera does not alert in the next process', async () => {
    const r = await runCctv(['analyze', '--camera', 'front', vtA], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.records()).toEqual([expect.objectContaining({ kind: 'analyzed', alert: false, labels: expect.arrayContaining([expect.objectContaining({ name: 'person' })]) })]);
    expect(receiver.requests).toHaveLength(0);
  }, 120_000);

  it('re-armed: the alert brings the snapshot JPEG, a detection event and ON; kill -9 leaves offline (last will) and no ON to replay', async () => {
    const up = await runCctv(['upload', '--camera', 'front', vtB], { cwd: project.dir });
    expect(up.code, up.stderr).toBe(0);
    const t0 = Date.now();
    const p3 = start(['analyze']);
    await waitFor('online', () => latest('cctv/status', t0) === 'online', 30_000, 20);
    const ha = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await ha.publishAsync('cctv/front/alerts/set', 'ON', { qos: 1 });
    await waitFor('switch ON', () => latest('cctv/front/alerts', t0) === 'ON', 10_000, 20);
    await ha.endAsync();

    p3.proc.stdin!.write(up.stdout);
    const on = await waitFor('ON', () => messages('cctv/front/person', t0).find((m) => m.payload === 'ON'), 90_000, 20);
    expect(on.expiry).toBe(5);
    const snapshot = messages('cctv/front/snapshot', t0)[0]!;
    expect(decodeJpeg(snapshot.raw).codec).toBe('mjpeg'); // the poster with the detector's boxes
    expect(JSON.parse(messages('cctv/front/detection', t0)[0]!.payload)).toMatchObject({ event_type: 'person', clip: expect.stringMatching(/^http:\/\/nvr\.local:8080\/media\/clip\//) });
    await waitFor('webhook', () => receiver.requests.length === 1, 10_000, 20);

    p3.proc.kill('SIGKILL');
    await p3.exited;
    await waitFor('last will', () => latest('cctv/status', t0) === 'offline', 10_000, 20);
    expect(messages('cctv/front/person', t0).map((m) => m.payload)).toEqual(['OFF', 'ON']); // the process never said OFF

    // The retained ON expires at the broker after offAfterSeconds: a Home Assistant (re)starting later sees no ON.
    await new Promise((r) => setTimeout(r, Math.max(0, on.at + 5000 + 1000 - Date.now())));
    const late = await subscribe(broker.url, 'cctv/front/person');
    await new Promise((r) => setTimeout(r, 500));
    expect(late.messages).toEqual([]);
    await late.close();
  }, 150_000);

  it('a camera removed from the configuration is removed from Home Assistant (empty retained config, states cleared)', async () => {
    writeFileSync(project.configPath, stringify(config(['front'])));
    const t0 = Date.now();
    const r = await runCctv(['alert', 'test', '--sink', 'mqtt'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.records()).toEqual([expect.objectContaining({ kind: 'alert-test', sink: 'mqtt', ok: true, answer: expect.stringContaining('acknowledged by the broker') })]);
    await waitFor('removal', () => messages('homeassistant/device/cctv_back/config', t0).length > 0, 10_000, 20);
    expect(messages('homeassistant/device/cctv_back/config', t0).map((m) => m.payload)).toEqual(['']);
    expect(['cctv/back/alerts', 'cctv/back/person', 'cctv/back/recorder'].map((t) => latest(t, t0))).toEqual(['', '', '']);
    const late = await subscribe(broker.url, 'homeassistant/device/#');
    await new Promise((r) => setTimeout(r, 500));
    expect(late.messages.map((m) => m.topic).sort()).toEqual(['homeassistant/device/cctv/config', 'homeassistant/device/cctv_front/config']);
    await late.close();
    // The one-shot test client never speaks for the service's availability.
    expect(messages('cctv/status', t0)).toEqual([]);
  }, 60_000);
});
