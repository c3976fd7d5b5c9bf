import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_ON_MS, type Facts } from '../../src/lib/alerts/homeassistant.js';
import { bufferMedia } from '../../src/lib/alerts/media.js';
import { createMqttSink, type MqttOptions } from '../../src/lib/alerts/mqtt.js';
import { sampleSnapshot } from '../../src/lib/alerts/sample.js';
import type { Alert } from '../../src/lib/alerts/types.js';
import { getArming } from '../../src/lib/catalog/alerting.js';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { decodeJpeg } from '../helpers/media.js';
import { waitFor } from '../helpers/ports.js';
import { discoveryProblems } from './ha-docs.js';
import { startMosquitto, subscribe, type Broker, type Received } from './mosquitto.js';

/** The MQTT sink / Home Assistant bridge as a library against a real mosquitto, with a subscriber on everything. */
let broker: Broker;
let dir: string;
let db: Db;
let jpeg: Buffer;
let sub: Awaited<ReturnType<typeof subscribe>>;
beforeAll(async () => {
  [broker, jpeg] = await Promise.all([startMosquitto(), sampleSnapshot()]);
  dir = await mkdtemp(path.join(tmpdir(), 'cctv-mqtt-'));
  db = openDb(dir);
  sub = await subscribe(broker.url, '#');
});
afterAll(async () => {
  await sub.close();
  db.close();
  await Promise.all([broker.stop(), rm(dir, { recursive: true, force: true })]);
});

const facts: Facts = { cameras: [{ name: 'front', recording: true, lastEventAt: '2024-05-01T12:00:00.000Z', armed: true }], uploadBacklog: 2, diskFreeGb: 41.5 };
const sinkWith = (o: Partial<MqttOptions> & { prefix: string }) =>
  createMqttSink({
    url: broker.url, discovery: true, discoveryPrefix: 'homeassistant', cameras: ['front'], alertOn: ['person'], offAfterSeconds: 60,
    snoozeMinutes: 0, factsEverySeconds: 60, version: '0.2.0', db, facts: async () => facts, timeoutMs: 5000, ...o,
  });
const alert = (eventId: string): Alert => ({
  v: 1, kind: 'alert', camera: 'front', eventId, at: new Date().toISOString(),
  labels: [{ name: 'person', confidence: 0.9, at: new Date().toISOString() }], allLabels: [{ name: 'person', confidence: 0.9, at: new Date().toISOString() }],
  detector: 'local', clip: 'http://nvr/media/clip/x.mp4', poster: 'http://nvr/media/poster/x.mp4', message: 'person (90%) on front', media: bufferMedia(jpeg),
});
const on = (topic: string, since = 0) => sub.messages.filter((m) => m.topic === topic && m.at >= since);

describe('the MQTT sink as a Home Assistant device', () => {
  it('on connect: online, discovery that matches the documented keys, OFF states, switches and sensors', async () => {
    const t0 = Date.now();
    const sink = sinkWith({ prefix: 'a' });
    await sink.ready();
    await waitFor('sensors', () => on('a/server/disk_free', t0).length > 0, 10_000, 20);
    expect(on('a/status', t0).map((m) => m.payload)).toEqual(['online']);
    const configs = sub.messages.filter((m) => m.at >= t0 && m.topic.startsWith('homeassistant/device/'));
    expect(configs.map((m) => m.topic).sort()).toEqual(['homeassistant/device/a/config', 'homeassistant/device/a_front/config']);
    for (const c of configs) expect(discoveryProblems(JSON.parse(c.payload) as Record<string, unknown>), c.topic).toEqual([]);
    expect(on('a/front/person', t0).map((m) => m.payload)).toEqual(['OFF']);
    expect(Object.fromEntries(['a/front/recorder', 'a/front/last_event', 'a/front/alerts', 'a/server/upload_backlog', 'a/server/disk_free'].map((t) => [t, on(t, t0)[0]?.payload]))).toEqual({
      'a/front/recorder': 'recording', 'a/front/last_event': '2024-05-01T12:00:00.000Z', 'a/front/alerts': 'ON', 'a/server/upload_backlog': '2', 'a/server/disk_free': '41.50',
    });
    await sink.close();
    expect(on('a/status', t0).map((m) => m.payload)).toEqual(['online', 'offline']);
  });

  it('an alert: the JPEG on the image topic, a detection event, ON (expiring at the broker), OFF after offAfterSeconds', async () => {
    const sink = sinkWith({ prefix: 'b', offAfterSeconds: 6 });
    await sink.ready();
    const t0 = Date.now();
    const receipt = await sink.send(alert('ev-b'));
    expect(receipt).toEqual({ answer: expect.stringMatching(/^4 messages \(\d+ bytes\) acknowledged by the broker$/) });
    await waitFor('ON', () => on('b/front/person', t0).length > 0, 5000, 20);
    const snapshot = on('b/front/snapshot', t0)[0]!;
    expect(decodeJpeg(snapshot.raw)).toMatchObject({ codec: 'mjpeg' });
    expect(JSON.parse(on('b/front/detection', t0)[0]!.payload)).toMatchObject({ event_type: 'person', confidence: 0.9, eventId: 'ev-b' });
    const onMsg = on('b/front/person', t0)[0]!;
    expect([onMsg.payload, onMsg.expiry]).toEqual(['ON', 6]);
    // Order: the picture is there before the ON that may start an automation.
    expect(sub.messages.indexOf(snapshot)).toBeLessThan(sub.messages.indexOf(onMsg));
    const off = await waitFor('OFF', () => on('b/front/person', t0).find((m) => m.payload === 'OFF'), 20_000, 20);
    expect(off.at - onMsg.at).toBeGreaterThanOrEqual(6000 - 100);
    expect(off.retain).toBe(false); // live delivery to a subscriber; the broker retains it for the next one
    await sink.close();
  }, 40_000);

  it('OFF at the end of the event, whether the end comes after the alert or before it (held at least MIN_ON)', async () => {
    const sink = sinkWith({ prefix: 'c', offAfterSeconds: 60 });
    await sink.ready();
    const t0 = Date.now();
    await sink.send(alert('ev-c'));
    sink.eventEnded!({ camera: 'front', eventId: 'other', at: new Date().toISOString() }); // another event: no effect
    sink.eventEnded!({ camera: 'front', eventId: 'ev-c', at: new Date().toISOString() });
    const onMsg = await waitFor('ON', () => on('c/front/person', t0)[0], 5000, 20);
    const off = await waitFor('OFF', () => on('c/front/person', t0).find((m) => m.payload === 'OFF'), 30_000, 20);
    expect(off.at - onMsg.at).toBeGreaterThanOrEqual(MIN_ON_MS - 100);
    expect(off.at - onMsg.at).toBeLessThan(30_000); // the end, not the 60 s timeout

    // The usual order in a pipeline: the event's end first, its alert (after the clip was cut and analysed) later.
    const t1 = Date.now();
    sink.eventEnded!({ camera: 'front', eventId: 'ev-c2', at: new Date().toISOString() });
    await sink.send(alert('ev-c2'));
    const on2 = await waitFor('ON', () => on('c/front/person', t1).find((m) => m.payload === 'ON'), 5000, 20);
    const off2 = await waitFor('OFF', () => on('c/front/person', t1).find((m) => m.payload === 'OFF'), 30_000, 20);
    expect(off2.at - on2.at).toBeGreaterThanOrEqual(MIN_ON_MS - 100);
    expect(off2.at - on2.at).toBeLessThan(30_000);
    await sink.close();
  }, 60_000);

  it('the alerts switch: OFF snoozes (persisted in the catalog), ON arms; unknown commands and replayed retained ones are ignored', async () => {
    const sink = sinkWith({ prefix: 'd', snoozeMinutes: 30 });
    await sink.ready();
    const t0 = Date.now();
    const states = () => on('d/front/alerts', t0).map((m) => m.payload);
    const ha = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await ha.publishAsync('d/front/alerts/set', 'OFF', { qos: 1 });
    await waitFor('state OFF', () => states().length === 1, 5000, 20);
    const a = getArming(db, 'front')!;
    expect([a.armed, a.untilMs! - a.changedMs]).toEqual([false, 30 * 60_000]);
    await ha.publishAsync('d/front/alerts/set', 'TOGGLE', { qos: 1 });
    // A command someone left retained at the broker: applied when it is sent, never replayed on a later subscribe.
    await ha.publishAsync('d/front/alerts/set', 'OFF', { qos: 1, retain: true });
    await ha.publishAsync('d/front/alerts/set', 'ON', { qos: 1 });
    await waitFor('state ON', () => states().length === 3, 5000, 20);
    expect(states()).toEqual(['OFF', 'OFF', 'ON']);
    await sink.close();
    const again = sinkWith({ prefix: 'd', snoozeMinutes: 30 });
    await again.ready();
    await new Promise((r) => setTimeout(r, 300));
    expect(getArming(db, 'front')!.armed).toBe(true);
    await ha.publishAsync('d/front/alerts/set', '', { qos: 1, retain: true }); // clear the retained command
    await ha.endAsync();
    await again.close();
  });

  it('Home Assistant coming online (its birth message) gets the configs and states again', async () => {
    const sink = sinkWith({ prefix: 'e' });
    await sink.ready();
    const t0 = Date.now();
    const ha = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await waitFor('republished', () => on('homeassistant/device/e_front/config', t0).length > 0 || on('e/front/alerts', t0).length > 0, 5000, 20);
    await waitFor('states', () => on('e/front/alerts', t0).length > 0, 5000, 20);
    await ha.endAsync();
    await sink.close();
  });
});

export type { Received };
