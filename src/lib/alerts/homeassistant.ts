import { VOCABULARY, coveredByAny } from '../detect/labels.js';
import { alertJson } from './message.js';
import type { Alert } from './types.js';

/**
 * What cctv publishes for Home Assistant over MQTT, as pure functions: topics, the device-based discovery configs
 * (https://www.home-assistant.io/integrations/mqtt/#device-discovery-payload), the messages of an alert, the sensor
 * states and when an occupancy sensor goes back OFF. The I/O around them (connection, last will, timers, the switch's
 * commands) is mqtt.ts; `cctv run` feeds live state through the same functions.
 *
 * Topics (`<p>` = alerts.mqtt.topicPrefix, `<c>` = camera):
 * - `<p>/status`: `online` / `offline` (retained; the last will says `offline`), the availability of every entity;
 * - `<p>/<c>/<label>`: `ON` / `OFF` (retained; the ON expires at the broker after offAfterSeconds): occupancy;
 * - `<p>/<c>/snapshot`: the alert's JPEG bytes (retained): the image entity;
 * - `<p>/<c>/detection`: `{"event_type": <label>, …}` per label of an alert (not retained): the event entity;
 * - `<p>/<c>/event`: the alert JSON (not retained; as in 0.1);
 * - `<p>/<c>/recorder`, `<p>/<c>/last_event`, `<p>/server/upload_backlog`, `<p>/server/disk_free` (retained): sensors;
 * - `<p>/<c>/alerts` (retained) and `<p>/<c>/alerts/set` (commands): the arm/snooze switch.
 */

export interface HaSetup {
  /** alerts.mqtt.topicPrefix */
  prefix: string;
  /** alerts.mqtt.discoveryPrefix */
  discoveryPrefix: string;
  cameras: readonly string[];
  /** alerts.on: one occupancy binary_sensor each per camera. */
  alertOn: readonly string[];
  /** HA's own off_delay and the retained ON's expiry. */
  offAfterSeconds: number;
  version: string;
}

export interface MqttMessage {
  topic: string;
  payload: string | Buffer;
  retain: boolean;
  /** MQTT 5 message expiry interval (s): the broker drops the retained message after it. */
  expirySeconds?: number;
}

export const topics = {
  status: (prefix: string) => `${prefix}/status`,
  label: (prefix: string, camera: string, label: string) => `${prefix}/${camera}/${label}`,
  snapshot: (prefix: string, camera: string) => `${prefix}/${camera}/snapshot`,
  detection: (prefix: string, camera: string) => `${prefix}/${camera}/detection`,
  event: (prefix: string, camera: string) => `${prefix}/${camera}/event`,
  recorder: (prefix: string, camera: string) => `${prefix}/${camera}/recorder`,
  lastEvent: (prefix: string, camera: string) => `${prefix}/${camera}/last_event`,
  arming: (prefix: string, camera: string) => `${prefix}/${camera}/alerts`,
  armingSet: (prefix: string, camera: string) => `${prefix}/${camera}/alerts/set`,
  uploadBacklog: (prefix: string) => `${prefix}/server/upload_backlog`,
  diskFree: (prefix: string) => `${prefix}/server/disk_free`,
};

/** Pure: the id of this cctv in Home Assistant (device identifiers, unique ids): the topic prefix, made id-safe. */
export function nodeId(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Pure: the discovery topic of the server device and of each camera's device. */
export function discoveryTopic(s: Pick<HaSetup, 'prefix' | 'discoveryPrefix'>, camera: string | null): string {
  const id = nodeId(s.prefix);
  return `${s.discoveryPrefix}/device/${camera === null ? id : `${id}_${camera}`}/config`;
}

type Component = Record<string, unknown> & { p: string; unique_id: string };

/**
 * Pure: every discovery config (topic → payload object): one device for the cctv server (upload backlog, disk free) and
 * one per camera (an occupancy binary_sensor per alerts.on label, the snapshot image, the detection event, the recorder
 * and last-event sensors, the alerts switch), all available while `<p>/status` says online.
 */
export function discoveryConfigs(s: HaSetup): Map<string, Record<string, unknown>> {
  const id = nodeId(s.prefix);
  const p = s.prefix;
  const origin = { name: 'cctv', sw: s.version };
  const shared = { o: origin, availability_topic: topics.status(p), qos: 1 };
  const out = new Map<string, Record<string, unknown>>();
  out.set(discoveryTopic(s, null), {
    dev: { ids: [id], name: 'cctv', mf: 'cctv', mdl: 'NVR', sw: s.version },
    ...shared,
    cmps: {
      upload_backlog: {
        p: 'sensor', unique_id: `${id}_upload_backlog`, name: 'Upload backlog', state_topic: topics.uploadBacklog(p), state_class: 'measurement',
        unit_of_measurement: 'clips', icon: 'mdi:cloud-upload', entity_category: 'diagnostic',
      },
      disk_free: {
        p: 'sensor', unique_id: `${id}_disk_free`, name: 'Disk free', state_topic: topics.diskFree(p), device_class: 'data_size',
        unit_of_measurement: 'GB', state_class: 'measurement', suggested_display_precision: 1, entity_category: 'diagnostic',
      },
    } satisfies Record<string, Component>,
  });
  for (const camera of s.cameras) {
    const uid = `${id}_${camera}`;
    const cmps: Record<string, Component> = {};
    for (const label of s.alertOn) {
      cmps[label] = {
        p: 'binary_sensor', unique_id: `${uid}_${label}`, name: capitalise(label), device_class: 'occupancy',
        state_topic: topics.label(p, camera, label), payload_on: 'ON', payload_off: 'OFF', off_delay: s.offAfterSeconds,
      };
    }
    cmps.snapshot = { p: 'image', unique_id: `${uid}_snapshot`, name: 'Snapshot', image_topic: topics.snapshot(p, camera), content_type: 'image/jpeg' };
    cmps.detection = {
      p: 'event', unique_id: `${uid}_detection`, name: 'Detection', state_topic: topics.detection(p, camera), event_types: [...VOCABULARY],
      device_class: 'motion',
    };
    cmps.recorder = {
      p: 'sensor', unique_id: `${uid}_recorder`, name: 'Recorder', state_topic: topics.recorder(p, camera), device_class: 'enum',
      options: ['recording', 'stopped'], entity_category: 'diagnostic',
    };
    cmps.last_event = { p: 'sensor', unique_id: `${uid}_last_event`, name: 'Last event', state_topic: topics.lastEvent(p, camera), device_class: 'timestamp' };
    cmps.alerts = {
      p: 'switch', unique_id: `${uid}_alerts`, name: 'Alerts', command_topic: topics.armingSet(p, camera), state_topic: topics.arming(p, camera),
      payload_on: 'ON', payload_off: 'OFF', icon: 'mdi:bell-ring',
    };
    out.set(discoveryTopic(s, camera), {
      dev: { ids: [uid], name: camera, mf: 'cctv', mdl: 'IP camera', via_device: id },
      ...shared,
      cmps,
    });
  }
  return out;
}

/**
 * Pure: what to publish so Home Assistant holds exactly `current` when it last held `previous` (both topic → JSON
 * payload as published): a device no longer configured gets an empty retained config (HA removes it) and its retained
 * states are cleared; a device that lost components is sent once with those components reduced to their platform (HA
 * removes them, as its documentation asks), then in full; new and changed configs are published as they are.
 */
export function discoveryUpdates(previous: ReadonlyMap<string, string>, current: ReadonlyMap<string, Record<string, unknown>>): MqttMessage[] {
  const out: MqttMessage[] = [];
  for (const [topic, payload] of previous) {
    if (current.has(topic)) continue;
    out.push({ topic, payload: '', retain: true });
    for (const t of retainedTopics(componentsOf(payload))) out.push({ topic: t, payload: '', retain: true });
  }
  for (const [topic, config] of current) {
    const json = JSON.stringify(config);
    const before = previous.get(topic);
    if (before === json) continue;
    const gone = Object.entries(componentsOf(before)).filter(([cid]) => !(cid in (config.cmps as object)));
    if (gone.length > 0) {
      const stubs = Object.fromEntries(gone.map(([cid, c]) => [cid, { p: c.p }]));
      out.push({ topic, payload: JSON.stringify({ ...config, cmps: { ...(config.cmps as object), ...stubs } }), retain: true });
      for (const t of retainedTopics(Object.fromEntries(gone))) out.push({ topic: t, payload: '', retain: true });
    }
    out.push({ topic, payload: json, retain: true });
  }
  return out;
}

function componentsOf(payload: string | undefined): Record<string, Component> {
  if (!payload) return {};
  try {
    return ((JSON.parse(payload) as { cmps?: Record<string, Component> }).cmps ?? {});
  } catch {
    return {};
  }
}

/** The retained state topics of components (image and state topics; commands are never retained). */
function retainedTopics(cmps: Record<string, Component>): string[] {
  return Object.values(cmps).flatMap((c) =>
    c.p === 'event' ? [] : [c.state_topic, c.image_topic].filter((t): t is string => typeof t === 'string'),
  );
}

/**
 * Pure: the topics of the occupancy sensors an alert turns ON: each alerts.on label that covers a label of the alert
 * (`vehicle` for a car) and each alert label itself (`car`, the topic 0.1 published).
 */
export function occupancyTopics(prefix: string, alertOn: readonly string[], alert: Pick<Alert, 'camera' | 'labels'>): string[] {
  const names = new Set<string>();
  for (const l of alert.labels) {
    names.add(l.name);
    for (const on of alertOn) if (coveredByAny([on], l.name)) names.add(on);
  }
  return [...names].map((n) => topics.label(prefix, alert.camera, n));
}

/**
 * Pure: the messages of one alert, in the order they are published: the snapshot first (an automation started by the
 * ON finds the new picture), a detection event per label found, the occupancy ONs (retained, expiring after
 * `offAfterSeconds` at the broker so a restart never replays a stale ON), then the alert JSON.
 */
export function alertMessages(s: Pick<HaSetup, 'prefix' | 'alertOn' | 'offAfterSeconds'>, alert: Alert, snapshot: Buffer | null): MqttMessage[] {
  const p = s.prefix;
  const json = alertJson(alert);
  return [
    ...(snapshot ? [{ topic: topics.snapshot(p, alert.camera), payload: snapshot, retain: true }] : []),
    ...alert.allLabels.map((l) => ({
      topic: topics.detection(p, alert.camera),
      payload: JSON.stringify({ event_type: l.name, confidence: l.confidence, at: l.at, eventId: alert.eventId, clip: alert.clip, poster: alert.poster }),
      retain: false,
    })),
    ...occupancyTopics(p, s.alertOn, alert).map((topic) => ({ topic, payload: 'ON', retain: true, expirySeconds: s.offAfterSeconds })),
    { topic: topics.event(p, alert.camera), payload: JSON.stringify(json), retain: false },
  ];
}

/** What the sensors say: from the catalog and the host today, live from `cctv run` later. */
export interface Facts {
  cameras: { name: string; recording: boolean | null; lastEventAt: string | null; armed: boolean }[];
  uploadBacklog: number | null;
  diskFreeGb: number | null;
}

/** Pure: the retained state messages of the sensors and switches (an unknown value is left unpublished). */
export function factMessages(prefix: string, f: Facts): MqttMessage[] {
  const out: MqttMessage[] = [];
  for (const c of f.cameras) {
    if (c.recording !== null) out.push({ topic: topics.recorder(prefix, c.name), payload: c.recording ? 'recording' : 'stopped', retain: true });
    if (c.lastEventAt !== null) out.push({ topic: topics.lastEvent(prefix, c.name), payload: c.lastEventAt, retain: true });
    out.push({ topic: topics.arming(prefix, c.name), payload: c.armed ? 'ON' : 'OFF', retain: true });
  }
  if (f.uploadBacklog !== null) out.push({ topic: topics.uploadBacklog(prefix), payload: String(f.uploadBacklog), retain: true });
  if (f.diskFreeGb !== null) out.push({ topic: topics.diskFree(prefix), payload: f.diskFreeGb.toFixed(2), retain: true });
  return out;
}

/** An occupancy sensor is held ON at least this long, so Home Assistant and its history register it. */
export const MIN_ON_MS = 5000;

/**
 * Pure: when an occupancy sensor turned ON at `nowMs` goes back OFF: at the end of its event when that is known (but
 * not sooner than MIN_ON_MS after the ON), and never later than `offAfterSeconds` after it. The same rule re-plans a
 * sensor when its event's end arrives after the alert.
 */
export function offAtMs(i: { onMs: number; offAfterSeconds: number; endedAtMs: number | null }): number {
  const timeout = i.onMs + i.offAfterSeconds * 1000;
  if (i.endedAtMs === null) return timeout;
  return Math.min(timeout, Math.max(i.onMs + MIN_ON_MS, i.endedAtMs));
}

function capitalise(s: string): string {
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
}
