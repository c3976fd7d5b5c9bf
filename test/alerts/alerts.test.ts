import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alerter, createAlertSinks, decideAlert, type Alert, type AlertSink } from '../../src/lib/alerts/index.js';
import { deliveredTo } from '../../src/lib/catalog/alerts.js';
import { openDb, writeTransaction, type Db } from '../../src/lib/catalog/db.js';
import { configSchema } from '../../src/lib/config/schema.js';
import { startMosquitto, type Broker } from './mosquitto.js';
import { startReceiver, type Receiver } from './receiver.js';

const base = { found: ['person'], alertOn: ['person'], alreadyAlerted: false, lastAlertMs: null, atMs: 100_000, cooldownSeconds: 60 };

describe('decideAlert', () => {
  it.each([
    ['nothing found', { found: [] }, 'none'],
    ['only labels not alerted on', { found: ['car', 'dog'] }, 'none'],
    ['an alert label', {}, 'new'],
    ['a member of an alerted category', { found: ['car'], alertOn: ['vehicle'] }, 'new'],
    ['the event alerted before (re-run, second clip of the event)', { alreadyAlerted: true }, 'repeat'],
    ['already alerted wins over the cooldown', { alreadyAlerted: true, lastAlertMs: 99_000 }, 'repeat'],
    ['another event of the camera 30 s earlier', { lastAlertMs: 70_000 }, 'cooldown'],
    ['another event at the same instant', { lastAlertMs: 100_000 }, 'cooldown'],
    ['another event exactly a cooldown earlier', { lastAlertMs: 40_000 }, 'new'],
    ['cooldown 0', { lastAlertMs: 100_000, cooldownSeconds: 0 }, 'new'],
    ['no alert label, in the cooldown', { found: ['cat'], lastAlertMs: 99_000 }, 'none'],
  ])('%s', (_name, over, expected) => {
    expect(decideAlert({ ...base, ...over })).toBe(expected);
  });
});

const alert: Alert = {
  v: 1, kind: 'alert', camera: 'front', eventId: 'ev1', at: '2024-05-01T12:00:03.000Z',
  labels: [{ name: 'person', confidence: 0.9, at: '2024-05-01T12:00:03.000Z' }],
  allLabels: [{ name: 'person', confidence: 0.9, at: '2024-05-01T12:00:03.000Z' }, { name: 'car', confidence: 0.7, at: '2024-05-01T12:00:01.000Z' }],
  detector: 'local', clip: 'http://nvr/media/clips/x.mp4', poster: 'http://nvr/media/clips/x.jpg', message: 'person (90%) on front at 2024-05-01T12:00:03.000Z',
};

describe('sinks against a real broker and a real HTTP receiver', () => {
  let broker: Broker;
  let receiver: Receiver;
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    [broker, receiver] = await Promise.all([startMosquitto(), startReceiver()]);
    dir = await mkdtemp(path.join(tmpdir(), 'cctv-alerts-'));
    db = openDb(dir);
  });
  afterAll(async () => {
    db.close();
    await Promise.all([broker.stop(), receiver.close(), rm(dir, { recursive: true, force: true })]);
  });

  const sinksFor = (alerts: Record<string, unknown>) => createAlertSinks(configSchema.parse({ alerts }), db);

  it('the registry builds only the configured sinks, legacy sections first, then alerts.sinks in order', async () => {
    expect(sinksFor({}).map((s) => s.name)).toEqual([]);
    const sinks = sinksFor({
      webhook: { url: receiver.url }, mqtt: { url: broker.url },
      sinks: [{ type: 'ntfy', url: 'http://127.0.0.1:1/t', name: 'phone' }, { type: 'gotify', url: 'http://127.0.0.1:1', token: 'x' }],
    });
    expect(sinks.map((s) => s.name)).toEqual(['webhook', 'mqtt', 'phone', 'gotify']);
    await Promise.all(sinks.map((s) => s.close()));
  });

  it('webhook: POSTs the alert as JSON with the configured headers; a non-2xx answer rejects', async () => {
    const [sink] = sinksFor({ webhook: { url: receiver.url, headers: { authorization: 'Bearer t0ken' } } });
    await sink!.send(alert);
    const got = receiver.requests.at(-1)!;
    expect(got.body).toEqual(alert);
    expect(got.headers['content-type']).toBe('application/json');
    // The media accessors never reach the JSON.
    await sink!.send({ ...alert, media: { snapshot: async () => Buffer.from('x'), clip: async () => null } });
    expect(receiver.requests.at(-1)!.body).toEqual(alert);
    expect(got.headers.authorization).toBe('Bearer t0ken');
    receiver.status = 503;
    await expect(sink!.send(alert)).rejects.toThrow('webhook: HTTP 503');
    receiver.status = 200;
  });

  it('Alerter: one alert per event, delivered once per sink; a failing sink is retried with backoff, then by the next run', async () => {
    let calls = 0;
    let down = true;
    const flaky: AlertSink = { name: 'flaky', send: async () => { calls++; if (down) throw new Error('down'); }, close: async () => {} };
    const [webhook] = sinksFor({ webhook: { url: receiver.url } });
    const media = { poster: null, clip: null };
    const alerter = new Alerter({ db, sinks: [webhook!, flaky], maxAttempts: 3, backoff: { baseMs: 50, maxMs: 100 } });
    const before = receiver.requests.length;
    const t0 = Date.now();
    expect(writeTransaction(db, () => alerter.queue('ev-a', 'analysis', 0, alert, media))).toBe(true);
    alerter.wake();
    expect(Date.now() - t0).toBeLessThan(50); // queuing does not wait for delivery
    expect(alerter.queue('ev-a', 'live', 0, alert, media)).toBe(false); // the event has its alert: never twice
    await alerter.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150); // 50 + 100 ms of backoff
    expect(calls).toBe(3);
    expect(receiver.requests.length - before).toBe(1);
    // The receiver may deduplicate a re-driven delivery on a key that depends on the event only.
    expect(receiver.requests.at(-1)!.headers['idempotency-key']).toMatch(/^cctv-[0-9a-f]{32}$/);
    expect(deliveredTo(db, 'ev-a')).toEqual(['webhook']);
    expect(db.prepare("SELECT state FROM outbox WHERE key = 'alert:ev-a:flaky'").pluck().get()).toBe('failed');

    // The next run (a new Alerter) tries the failed delivery again, and only that one.
    down = false;
    const next = new Alerter({ db, sinks: [webhook!, flaky], maxAttempts: 3, backoff: { baseMs: 50, maxMs: 100 } });
    await next.close();
    expect(calls).toBe(4);
    expect(receiver.requests.length - before).toBe(1);
    expect(deliveredTo(db, 'ev-a')).toEqual(['flaky', 'webhook']);
  });
});
