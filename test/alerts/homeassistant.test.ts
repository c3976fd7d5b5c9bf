import { describe, expect, it } from 'vitest';
import { armedAt, armingAfter, decideAlert } from '../../src/lib/alerts/decide.js';
import {
  alertMessages, discoveryConfigs, discoveryTopic, discoveryUpdates, factMessages, MIN_ON_MS, nodeId, occupancyTopics, offAtMs, type HaSetup,
} from '../../src/lib/alerts/homeassistant.js';
import type { Alert } from '../../src/lib/alerts/types.js';
import { discoveryProblems } from './ha-docs.js';

const setup: HaSetup = { prefix: 'cctv', discoveryPrefix: 'homeassistant', cameras: ['front', 'back'], alertOn: ['person', 'vehicle'], offAfterSeconds: 60, version: '0.2.0' };

const alert: Alert = {
  v: 1, kind: 'alert', camera: 'front', eventId: 'ev1', at: '2024-05-01T12:00:03.000Z',
  labels: [{ name: 'person', confidence: 0.9, at: '2024-05-01T12:00:03.000Z' }, { name: 'car', confidence: 0.8, at: '2024-05-01T12:00:04.000Z' }],
  allLabels: [{ name: 'person', confidence: 0.9, at: '2024-05-01T12:00:03.000Z' }, { name: 'car', confidence: 0.8, at: '2024-05-01T12:00:04.000Z' }],
  detector: 'local', clip: 'http://nvr/media/clip/x.mp4', poster: 'http://nvr/media/poster/x.mp4', message: 'person (90%), car (80%) on front',
};

describe('Home Assistant discovery configs', () => {
  const configs = discoveryConfigs(setup);

  it('one device for the server and one per camera, on device-based discovery topics', () => {
    expect([...configs.keys()]).toEqual([
      'homeassistant/device/cctv/config', 'homeassistant/device/cctv_front/config', 'homeassistant/device/cctv_back/config',
    ]);
    expect(discoveryTopic({ prefix: 'home/cctv', discoveryPrefix: 'ha' }, 'front')).toBe('ha/device/home_cctv_front/config');
    expect(nodeId('a b/c+#')).toBe('a_b_c__');
  });

  it('every payload uses only the keys Home Assistant documents, with the required ones', () => {
    for (const [topic, payload] of configs) expect(discoveryProblems(payload), topic).toEqual([]);
  });

  it('the checker itself rejects what Home Assistant would not take', () => {
    const good = configs.get('homeassistant/device/cctv_front/config')!;
    const cmps = good.cmps as Record<string, Record<string, unknown>>;
    expect(discoveryProblems({ ...good, o: undefined })).toContain('origin: missing name');
    expect(discoveryProblems({ ...good, cmps: { ...cmps, person: { ...cmps.person, state_topc: 'x' } } })).toEqual([
      expect.stringContaining('key state_topc not in https://www.home-assistant.io/integrations/binary_sensor.mqtt/'),
    ]);
    const { command_topic: _, ...noCommand } = cmps.alerts!;
    expect(discoveryProblems({ ...good, cmps: { ...cmps, alerts: noCommand } }).join()).toContain('missing command_topic');
    expect(discoveryProblems({ ...good, cmps: { x: { p: 'camera', unique_id: 'u', topic: 't' } } })).toEqual(['x: unknown platform camera']);
  });

  it('each camera: an occupancy sensor per alert label, the snapshot image, the detection event, sensors and the alerts switch', () => {
    const front = configs.get('homeassistant/device/cctv_front/config')!;
    expect(front).toMatchObject({ dev: { ids: ['cctv_front'], name: 'front', via_device: 'cctv' }, o: { name: 'cctv', sw: '0.2.0' }, availability_topic: 'cctv/status' });
    const cmps = front.cmps as Record<string, Record<string, unknown>>;
    expect(Object.fromEntries(Object.entries(cmps).map(([k, c]) => [k, c.p]))).toEqual({
      person: 'binary_sensor', vehicle: 'binary_sensor', snapshot: 'image', detection: 'event', recorder: 'sensor', last_event: 'sensor', alerts: 'switch',
    });
    expect(cmps.person).toMatchObject({ device_class: 'occupancy', state_topic: 'cctv/front/person', off_delay: 60, unique_id: 'cctv_front_person' });
    expect(cmps.snapshot).toMatchObject({ image_topic: 'cctv/front/snapshot', content_type: 'image/jpeg' });
    expect(cmps.alerts).toMatchObject({ command_topic: 'cctv/front/alerts/set', state_topic: 'cctv/front/alerts' });
    const server = configs.get('homeassistant/device/cctv/config')!;
    expect(Object.keys(server.cmps as object)).toEqual(['upload_backlog', 'disk_free']);
  });
});

describe('discoveryUpdates', () => {
  const now = discoveryConfigs(setup);
  const published = new Map([...now].map(([t, c]) => [t, JSON.stringify(c)]));

  it('first start: every config; unchanged: nothing', () => {
    expect(discoveryUpdates(new Map(), now).map((m) => m.topic)).toEqual([...now.keys()]);
    expect(discoveryUpdates(published, now)).toEqual([]);
  });

  it('a camera removed from the config: its config and retained states are cleared (empty retained payloads)', () => {
    const without = discoveryConfigs({ ...setup, cameras: ['front'] });
    const msgs = discoveryUpdates(published, without);
    expect(msgs.every((m) => m.payload === '' && m.retain)).toBe(true);
    expect(msgs.map((m) => m.topic).sort()).toEqual([
      'cctv/back/alerts', 'cctv/back/last_event', 'cctv/back/person', 'cctv/back/recorder', 'cctv/back/snapshot', 'cctv/back/vehicle',
      'homeassistant/device/cctv_back/config',
    ]);
  });

  it('a label removed from alerts.on: the component is removed (platform only), its state cleared, then the full config', () => {
    const fewer = discoveryConfigs({ ...setup, alertOn: ['person'] });
    const msgs = discoveryUpdates(published, fewer).filter((m) => m.topic.includes('front'));
    expect(msgs.map((m) => [m.topic, m.payload === '' ? '' : 'config'])).toEqual([
      ['homeassistant/device/cctv_front/config', 'config'], ['cctv/front/vehicle', ''], ['homeassistant/device/cctv_front/config', 'config'],
    ]);
    expect((JSON.parse(msgs[0]!.payload as string) as { cmps: Record<string, unknown> }).cmps.vehicle).toEqual({ p: 'binary_sensor' });
    expect((JSON.parse(msgs[2]!.payload as string) as { cmps: Record<string, unknown> }).cmps.vehicle).toBeUndefined();
  });
});

describe('alertMessages', () => {
  it('the snapshot first, a detection event per label, the occupancy ONs (expiring), then the alert JSON', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    const msgs = alertMessages(setup, { ...alert, media: { snapshot: async () => jpeg, clip: async () => null } }, jpeg);
    expect(msgs.map((m) => [m.topic, m.retain, m.expirySeconds])).toEqual([
      ['cctv/front/snapshot', true, undefined],
      ['cctv/front/detection', false, undefined],
      ['cctv/front/detection', false, undefined],
      ['cctv/front/person', true, 60],
      ['cctv/front/car', true, 60],
      ['cctv/front/vehicle', true, 60],
      ['cctv/front/event', false, undefined],
    ]);
    expect(msgs[0]!.payload).toBe(jpeg);
    expect(JSON.parse(msgs[1]!.payload as string)).toMatchObject({ event_type: 'person', confidence: 0.9, eventId: 'ev1' });
    // The contract's JSON: no media accessors.
    expect(JSON.parse(msgs[6]!.payload as string)).toEqual(alert);
    expect(alertMessages(setup, alert, null).map((m) => m.topic)).not.toContain('cctv/front/snapshot');
  });

  it('occupancyTopics: each label, and the alerts.on category covering it', () => {
    expect(occupancyTopics('p', ['person'], { camera: 'c', labels: [{ name: 'person', confidence: 1, at: '' }] })).toEqual(['p/c/person']);
    expect(occupancyTopics('p', ['animal'], { camera: 'c', labels: [{ name: 'dog', confidence: 1, at: '' }] })).toEqual(['p/c/dog', 'p/c/animal']);
  });
});

describe('offAtMs: ON at the alert, OFF at the event end or after the timeout', () => {
  const on = 1_000_000;
  it.each([
    ['end not known: after the timeout', null, on + 60_000],
    ['end later, before the timeout: at the end', on + 20_000, on + 20_000],
    ['end after the timeout: at the timeout', on + 90_000, on + 60_000],
    ['event already ended before the alert: held MIN_ON', on - 30_000, on + MIN_ON_MS],
    ['end just after the alert: held MIN_ON', on + 1000, on + MIN_ON_MS],
  ])('%s', (_name, endedAtMs, expected) => {
    expect(offAtMs({ onMs: on, offAfterSeconds: 60, endedAtMs })).toBe(expected);
  });
  it('a timeout shorter than MIN_ON wins', () => {
    expect(offAtMs({ onMs: on, offAfterSeconds: 2, endedAtMs: on - 1 })).toBe(on + 2000);
  });
});

describe('factMessages', () => {
  it('retained sensor states; unknown values are left out', () => {
    const msgs = factMessages('cctv', {
      cameras: [{ name: 'front', recording: true, lastEventAt: '2024-05-01T12:00:00.000Z', armed: false }, { name: 'back', recording: null, lastEventAt: null, armed: true }],
      uploadBacklog: 3,
      diskFreeGb: 12.345,
    });
    expect(msgs.map((m) => [m.topic, m.payload])).toEqual([
      ['cctv/front/recorder', 'recording'], ['cctv/front/last_event', '2024-05-01T12:00:00.000Z'], ['cctv/front/alerts', 'OFF'],
      ['cctv/back/alerts', 'ON'], ['cctv/server/upload_backlog', '3'], ['cctv/server/disk_free', '12.35'],
    ]);
    expect(msgs.every((m) => m.retain)).toBe(true);
  });
});

describe('arming: the alerts switch', () => {
  const t = 5_000_000;
  it.each([
    ['never switched', undefined, true],
    ['switched on', { armed: true, untilMs: null }, true],
    ['snoozed until switched on', { armed: false, untilMs: null }, false],
    ['snoozed, not over yet', { armed: false, untilMs: t + 1 }, false],
    ['snoozed, over', { armed: false, untilMs: t }, true],
  ])('armedAt: %s', (_n, state, expected) => {
    expect(armedAt(state, t)).toBe(expected);
  });
  it.each([
    ['ON', 30, { armed: true, untilMs: null }],
    ['off', 30, { armed: false, untilMs: t + 30 * 60_000 }],
    ['OFF', 0, { armed: false, untilMs: null }],
    ['toggle', 0, undefined],
  ])('armingAfter(%s, snooze %i min)', (cmd, minutes, expected) => {
    expect(armingAfter(cmd, t, minutes)).toEqual(expected);
  });
  it('the alert decision honours it: a snoozed camera does not alert, an event that already alerted stays alerted', () => {
    const base = { found: ['person'], alertOn: ['person'], alreadyAlerted: false, lastAlertMs: null, atMs: 0, cooldownSeconds: 60 };
    expect(decideAlert({ ...base, armed: false })).toBe('snoozed');
    expect(decideAlert({ ...base, armed: true })).toBe('new');
    expect(decideAlert({ ...base, armed: false, alreadyAlerted: true })).toBe('repeat');
    expect(decideAlert({ ...base, armed: false, found: ['cat'] })).toBe('none');
  });
});
