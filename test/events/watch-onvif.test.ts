import { afterEach, describe, expect, it } from 'vitest';
import { startOnvifDevice, type OnvifDevice, type OnvifDeviceOptions } from '../helpers/onvif-device/index.mjs';
import { loadCorpus } from '../helpers/onvif-device/fixtures.mjs';
import { watchEvents, type EventCameraConfig } from '../../src/lib/events/watch.js';
import { listOnvifTopics, type SourceState } from '../../src/lib/events/onvif.js';
import { eventRecordSchema, type EventRecord } from '../../src/lib/pipeline/records.js';

/** Small timings so that the watchdog, backoff and merge gap act in well under a second. */
const FAST = { pullTimeoutSeconds: 1, requestTimeoutMs: 1_000, backoffInitialMs: 100, backoffMaxMs: 1_000 };

const devices: OnvifDevice[] = [];
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const d of devices.splice(0)) await d.close();
});

async function device(opts: OnvifDeviceOptions = {}): Promise<OnvifDevice> {
  const d = await startOnvifDevice(opts);
  devices.push(d);
  return d;
}

function camera(d: OnvifDevice, extra: Partial<NonNullable<EventCameraConfig['onvif']>> = {}): EventCameraConfig {
  return { url: 'rtsp://unused', onvif: { host: d.host, port: d.port, username: d.username, password: d.password, ...extra } };
}

/** Runs watchEvents over the cameras and collects what comes out. */
function watch(cameras: Record<string, EventCameraConfig>, events = { maxEventSeconds: 60, mergeGapSeconds: 0.3 }) {
  const records: EventRecord[] = [];
  const states: Array<{ camera: string; state: SourceState; detail?: string }> = [];
  const ac = new AbortController();
  const done = watchEvents({
    cameras,
    events,
    signal: ac.signal,
    emit: (r) => {
      expect(eventRecordSchema.parse(r)).toBeTruthy();
      records.push(r as EventRecord);
    },
    seen: { has: () => false, add: () => undefined },
    onvif: FAST,
    onState: (cam, _source, state, detail) => states.push({ camera: cam, state, detail }),
  });
  const stop = async () => {
    ac.abort();
    await done;
  };
  stops.push(stop);
  const waitFor = async <T>(what: string, fn: () => T | undefined | false, ms = 8_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > until) {
        throw new Error(`timed out waiting for ${what}; records: ${JSON.stringify(records)}; states: ${JSON.stringify(states)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const of = (cam: string) => records.filter((r) => r.camera === cam);
  const online = (cam: string, n = 1) =>
    waitFor(`${cam} online`, () => states.filter((s) => s.camera === cam && s.state === 'online').length >= n);
  return { records, states, stop, waitFor, of, online };
}

const brief = (r: EventRecord) => `${r.state} ${r.labels.join('+')}`;

describe('watchEvents over ONVIF (test device, real HTTP)', () => {
  it('start/end edges for every vendor profile, many cameras in one process', async () => {
    const profiles = [
      ['onvif', 'motion', 'tns1:VideoSource/MotionAlarm'],
      ['hikvision', 'motion', 'tns1:RuleEngine/CellMotionDetector/Motion'],
      ['hikvision', 'intrusion', 'tns1:RuleEngine/FieldDetector/ObjectsInside'],
      ['reolink', 'motion', 'tns1:RuleEngine/CellMotionDetector/Motion'],
      ['axis', 'motion', 'tnsaxis:CameraApplicationPlatform/VMD/Camera1ProfileANY'],
      ['axis', 'motion-region', 'tns1:RuleEngine/MotionRegionDetector/Motion'],
      ['axis-old', 'motion', 'tns1:VideoAnalytics/tnsaxis:MotionDetection'],
    ] as const;
    const devs = await Promise.all(profiles.map(([profile]) => device({ profile })));
    const names = profiles.map(([p, key]) => `${p}-${key}`);
    const w = watch(Object.fromEntries(names.map((n, i) => [n, camera(devs[i]!)])));
    await Promise.all(names.map((n) => w.online(n)));
    profiles.forEach(([, key], i) => devs[i]!.trigger(key, true));
    await w.waitFor('all starts', () => names.every((n) => w.of(n).length === 1));
    profiles.forEach(([, key], i) => devs[i]!.trigger(key, false));
    await w.waitFor('all ends', () => names.every((n) => w.of(n).length === 2));
    profiles.forEach(([, key, topic], i) => {
      const [start, end] = w.of(names[i]!);
      const label = key === 'intrusion' ? 'intrusion' : 'motion';
      expect(start).toMatchObject({ state: 'start', labels: [label], source: 'onvif', topic });
      expect(end).toMatchObject({ state: 'end', id: start!.id, labels: [label] });
      expect(start!.initial).toBeUndefined();
      expect(Date.parse(end!.end!)).toBeGreaterThanOrEqual(Date.parse(start!.start));
    });
  });

  it('Reolink PeopleDetect gives labels ["person"], and an update during motion', async () => {
    const d = await device({ profile: 'reolink' });
    const w = watch({ door: camera(d) });
    await w.online('door');
    d.trigger('person', true);
    await w.waitFor('person start', () => w.records.length === 1);
    expect(w.records[0]).toMatchObject({ state: 'start', labels: ['person'], topic: 'tns1:RuleEngine/MyRuleDetector/PeopleDetect' });
    d.trigger('person', false);
    await w.waitFor('end', () => w.records.length === 2);
    d.trigger('motion', true);
    d.trigger('vehicle', true);
    d.trigger('person', true);
    await w.waitFor('updates', () => w.records.length === 5);
    d.trigger('motion', false);
    d.trigger('vehicle', false);
    d.trigger('person', false);
    await w.waitFor('end', () => w.records.length === 6);
    expect(w.records.slice(2).map(brief)).toEqual(['start motion', 'update motion+vehicle', 'update motion+vehicle+person', 'end motion+vehicle+person']);
    expect(new Set(w.records.slice(2).map((r) => r.id)).size).toBe(1);
  });

  it('a camera already in motion at subscribe time gives a start flagged initial; repeats make nothing new', async () => {
    const d = await device({ profile: 'hikvision' });
    d.setState('motion', true);
    const w = watch({ yard: camera(d) });
    await w.waitFor('initial start', () => w.records.length === 1);
    expect(w.records[0]).toMatchObject({ state: 'start', labels: ['motion'], initial: true });
    d.trigger('motion', true);
    d.trigger('motion', true);
    d.trigger('motion', false);
    d.trigger('motion', false);
    await w.waitFor('end', () => w.records.length === 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(w.records.map(brief)).toEqual(['start motion', 'end motion']);
  });

  it('an alarm that never stops is closed after maxEventSeconds', async () => {
    const d = await device({ profile: 'onvif' });
    const w = watch({ stuck: camera(d) }, { maxEventSeconds: 1, mergeGapSeconds: 0.3 });
    await w.online('stuck');
    d.trigger('motion', true);
    await w.waitFor('forced end', () => w.records.length === 2, 4_000);
    const [start, end] = w.records;
    expect(end).toMatchObject({ state: 'end', reason: 'max-duration', id: start!.id });
    expect(Date.parse(end!.end!) - Date.parse(start!.start)).toBe(1000);
  });

  it('camera clock skew is corrected to server time', async () => {
    const d = await device({ profile: 'hikvision', clockOffsetMs: 3 * 3600_000 });
    const w = watch({ skewed: camera(d) });
    await w.online('skewed');
    expect(w.states.find((s) => s.state === 'online')?.detail).toMatch(/clock off by 10(799|800) s/);
    const sent = d.trigger('motion', true);
    await w.waitFor('start', () => w.records.length === 1);
    expect(Math.abs(Date.parse(w.records[0]!.at) - sent)).toBeLessThan(3_000); // the camera clock is read to the second; the skew is hours
  });

  it('a camera offline for 10 s is reported once, then events resume', async () => {
    const d = await device({ profile: 'hikvision' });
    const w = watch({ gate: camera(d) });
    await w.online('gate');
    await d.goOffline();
    await w.waitFor('offline', () => w.states.some((s) => s.state === 'offline'));
    await new Promise((r) => setTimeout(r, 10_000));
    await d.goOnline();
    await w.online('gate', 2);
    d.trigger('motion', true);
    await w.waitFor('start after reconnect', () => w.records.length === 1);
    expect(w.states.filter((s) => s.state === 'offline')).toHaveLength(1);
    expect(w.states.find((s) => s.state === 'offline')?.detail).toMatch(/unreachable/);
  }, 30_000);

  it('a hanging device trips the watchdog and is recovered', async () => {
    const d = await device({ profile: 'hikvision' });
    const w = watch({ hang: camera(d) });
    await w.online('hang');
    d.hang(true);
    await w.waitFor('watchdog', () => w.states.some((s) => s.state === 'offline'), 6_000);
    expect(w.states.find((s) => s.state === 'offline')?.detail).toMatch(/no answer to \w+ within/);
    d.hang(false);
    await w.online('hang', 2);
    d.trigger('motion', true);
    await w.waitFor('start after hang', () => w.records.length === 1);
  });

  it('malformed XML, SOAP faults and a reset mid-body are survived', async () => {
    const d = await device({ profile: 'hikvision' });
    const w = watch({ flaky: camera(d) });
    await w.online('flaky');
    for (const kind of ['malformed', 'fault', 'reset'] as const) {
      // Bad answers renew the subscription in place; only the reset (a transport failure) counts as offline.
      if (kind === 'reset') expect(w.states.filter((s) => s.state === 'offline')).toEqual([]);
      const before = d.stats.subscriptionsCreated;
      d.misbehave(kind);
      d.trigger('motion', true); // answered badly: this edge is lost with the answer
      await w.waitFor(`resubscribed after ${kind}`, () => d.stats.subscriptionsCreated > before, 6_000);
      d.trigger('motion', false);
      d.trigger('motion', true);
      await w.waitFor(`start after ${kind}`, () => w.records.some((r) => r.state === 'start'));
      d.trigger('motion', false);
      await w.waitFor(`end after ${kind}`, () => w.records.some((r) => r.state === 'end'));
      w.records.splice(0);
    }
  });

  it('a wrong password is a clear error naming the camera; other cameras keep going', async () => {
    const good = await device({ profile: 'hikvision' });
    const bad = await device({ profile: 'hikvision', password: 'right-one' });
    const w = watch({ good: camera(good), bad: { ...camera(bad), onvif: { ...camera(bad).onvif!, password: 'wrong-one' } } });
    const refused = await w.waitFor('unauthorized', () => w.states.find((s) => s.camera === 'bad' && s.state === 'unauthorized'));
    expect(refused.detail).toMatch(/login refused .* wrong username or password in cameras\.bad\.onvif/);
    expect(refused.detail).not.toContain('wrong-one');
    await w.online('good');
    good.trigger('motion', true);
    await w.waitFor('good camera start', () => w.of('good').length === 1);
    expect(w.of('bad')).toEqual([]);
  });

  it('topics: filters by normalised name', async () => {
    const d = await device({ profile: 'reolink' });
    const w = watch({ filtered: camera(d, { topics: ['person'] }) });
    await w.online('filtered');
    d.trigger('motion', true);
    d.trigger('person', true);
    await w.waitFor('person', () => w.records.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.records.map(brief)).toEqual(['start person']);
  });

  it('a line crossing (no stop ever sent) is a short event', async () => {
    const d = await device({ profile: 'hikvision' });
    const w = watch({ line: camera(d) });
    await w.online('line');
    d.trigger('line-crossing');
    await w.waitFor('pulse', () => w.records.length === 2);
    expect(w.records.map(brief)).toEqual(['start line-crossing', 'end line-crossing']);
  });

  it('stopping unsubscribes cleanly and closes the open event', async () => {
    const d = await device({ profile: 'hikvision' });
    const w = watch({ bye: camera(d) });
    await w.online('bye');
    d.trigger('motion', true);
    await w.waitFor('start', () => w.records.length === 1);
    await w.stop();
    expect(d.stats.unsubscribes).toBe(1);
    expect(d.subscriptions).toBe(0);
    expect(w.records.map(brief)).toEqual(['start motion', 'end motion']);
    expect(w.records[1]).toMatchObject({ reason: 'stopped' });
    expect(w.states.at(-1)?.state).toBe('stopped');
  });

  it('a camera that ignores the long-poll timeout is not polled in a busy loop', async () => {
    const d = await device({ profile: 'hikvision', maxPullSeconds: 0 });
    const w = watch({ impatient: camera(d) });
    await w.online('impatient');
    const before = d.stats.requests.PullMessages ?? 0;
    await new Promise((r) => setTimeout(r, 2_000));
    expect((d.stats.requests.PullMessages ?? 0) - before).toBeLessThanOrEqual(6);
    d.trigger('motion', true);
    await w.waitFor('start', () => w.records.length === 1);
  });

  it('renews the subscription before the camera lets it expire', async () => {
    const d = await device({ profile: 'hikvision', maxTerminationSeconds: 2 });
    const w = watch({ renew: camera(d) });
    await w.online('renew');
    await new Promise((r) => setTimeout(r, 3_500));
    expect(d.stats.requests.Renew ?? 0).toBeGreaterThanOrEqual(2);
    expect(d.stats.subscriptionsCreated).toBe(1);
    d.trigger('motion', true);
    await w.waitFor('start', () => w.records.length === 1);
  });

  it('unknown topics in config are a usage error naming the key', async () => {
    const d = await device();
    await expect(
      watchEvents({
        cameras: { c: camera(d, { topics: ['peple'] }) },
        events: { maxEventSeconds: 60 },
        signal: new AbortController().signal,
        emit: () => undefined,
        seen: { has: () => false, add: () => undefined },
      }),
    ).rejects.toThrow(/cameras\.c\.onvif\.topics: unknown topic "peple"/);
  });

  it('replays what real Tapo cameras sent (verbatim XML over HTTP): AI labels accumulate in one event', async () => {
    const tapo = loadCorpus().find((f) => f.file === 'tapo/ha-test-parsers.xml')!;
    const d = await device({ profile: 'hikvision' });
    const w = watch({ tapo: camera(d) }, { maxEventSeconds: 60, mergeGapSeconds: 2 });
    await w.online('tapo');
    d.replay(tapo.messages.map((m) => m.xml));
    await w.waitFor('all labels', () => w.records.at(-1)?.labels.length === 5);
    expect(w.records.map(brief)).toEqual([
      'start vehicle',
      'update vehicle+person',
      'update vehicle+person+animal',
      'update vehicle+person+animal+line-crossing',
      'update vehicle+person+animal+line-crossing+intrusion',
    ]);
    expect(new Set(w.records.map((r) => r.id)).size).toBe(1);
  });

  it('a line-crossing pulse sent as Initialized (Uniview) starts nothing at subscribe or re-subscribe', async () => {
    const uniview = loadCorpus().find((f) => f.file === 'uniview/ha-35916-line-initialized.xml')!;
    const crossing = loadCorpus().find((f) => f.file === 'hikvision/ha-parsers-cell-motion.xml')!.messages[2]!.xml;
    const d = await device({ profile: 'hikvision', initialMessages: uniview.messages.map((m) => m.xml) });
    const w = watch({ gate: camera(d) });
    await w.online('gate');
    await w.waitFor('first pull answered', () => (d.stats.requests.PullMessages ?? 0) >= 2);
    d.misbehave('fault'); // the watcher renews the subscription in place: the camera replays its Initialized messages
    await w.waitFor('re-subscribed', () => d.stats.subscriptionsCreated === 2);
    const pulls = d.stats.requests.PullMessages ?? 0;
    await w.waitFor('pull after re-subscribe', () => (d.stats.requests.PullMessages ?? 0) >= pulls + 2);
    expect(w.records).toEqual([]);
    d.replay(crossing);
    await w.waitFor('crossing', () => w.records.length === 2);
    expect(w.records.map(brief)).toEqual(['start line-crossing', 'end line-crossing']);
  });

  it('Reolink UtcTime 1970 (a detector that never fired) is read as arrival time', async () => {
    const reolink = loadCorpus().find((f) => f.file === 'reolink/cam2mqtt-8-initialized.xml')!;
    // The verbatim 1970 message reports false; this copy reports true, to see the time of the event it starts.
    const inAlarm = reolink.messages[0]!.xml.replace('FaceDetect', 'PeopleDetect').replace('Value="false"', 'Value="true"');
    const d = await device({ profile: 'reolink', initialMessages: [reolink.messages[0]!.xml, inAlarm] });
    const before = Date.now();
    const w = watch({ door: camera(d) });
    await w.waitFor('initial start', () => w.records.length === 1);
    expect(w.records[0]).toMatchObject({ state: 'start', labels: ['person'], initial: true });
    expect(Date.parse(w.records[0]!.at)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('re-measures the camera clock at every renew (a clock stepped back 90 s after connecting)', async () => {
    const d = await device({ profile: 'hikvision', maxTerminationSeconds: 2 });
    const w = watch({ drift: camera(d) });
    await w.online('drift');
    d.setClockOffset(-90_000);
    const renews = d.stats.requests.Renew ?? 0;
    await w.waitFor('a renew after the step', () => (d.stats.requests.Renew ?? 0) >= renews + 1, 6_000);
    const sent = d.trigger('motion', true);
    await w.waitFor('start', () => w.records.length === 1);
    expect(Math.abs(Date.parse(w.records[0]!.at) - sent)).toBeLessThan(3_000); // the camera clock is read to the second; the skew is hours
  });

  it('topicMap maps a topic no table knows; --list-topics shows every advertised topic and its mapping', async () => {
    const topicSet =
      '<wstop:TopicSet><tns1:RuleEngine><CellMotionDetector><Motion wstop:topic="true"><tt:MessageDescription IsProperty="true">' +
      '<tt:Data><tt:SimpleItemDescription Name="IsMotion" Type="xsd:boolean"/></tt:Data></tt:MessageDescription></Motion></CellMotionDetector>' +
      '<TPSmartEventDetector><TPSmartEvent wstop:topic="true"><tt:MessageDescription IsProperty="true"><tt:Data>' +
      '<tt:SimpleItemDescription Name="IsTPSmartEvent" Type="xsd:boolean"/></tt:Data></tt:MessageDescription></TPSmartEvent></TPSmartEventDetector>' +
      '</tns1:RuleEngine><tns1:Device><Trigger><Relay wstop:topic="true"><tt:MessageDescription IsProperty="true"><tt:Data>' +
      '<tt:SimpleItemDescription Name="LogicalState" Type="tt:RelayLogicalState"/></tt:Data></tt:MessageDescription></Relay></Trigger></tns1:Device>' +
      '<tnsacme:Smart><Thing wstop:topic="true"/></tnsacme:Smart></wstop:TopicSet>';
    const d = await device({ profile: 'hikvision', topicSet });
    const config = { ...camera(d).onvif!, topicMap: { 'tnsacme:Smart/Thing': 'person' } };
    const rows = await listOnvifTopics('cam', config, { signal: new AbortController().signal, timing: FAST });
    expect(rows.map((r) => [r.topic, r.labels.join('+') || r.note])).toEqual([
      ['tns1:RuleEngine/CellMotionDetector/Motion', 'motion'],
      ['tns1:RuleEngine/TPSmartEventDetector/TPSmartEvent', 'unmapped'],
      ['tns1:Device/Trigger/Relay', 'non-event'],
      ['tnsacme:Smart/Thing', 'unmapped'],
    ].map(([t, l], i) => (i === 3 ? [t, 'person'] : [t, l])));
    const w = watch({ mapped: { ...camera(d), onvif: config } });
    await w.online('mapped');
    d.replay(
      '<wsnt:NotificationMessage><wsnt:Topic>tnsacme:Smart/Thing</wsnt:Topic><wsnt:Message><tt:Message PropertyOperation="Changed">' +
        '<tt:Data><tt:SimpleItem Name="On" Value="1"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>',
    );
    await w.waitFor('mapped start', () => w.records.length === 1);
    expect(w.records[0]).toMatchObject({ state: 'start', labels: ['person'], topic: 'tnsacme:Smart/Thing' });
  });
});

