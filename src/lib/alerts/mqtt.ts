import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { forgetDiscovery, publishedDiscovery, recordDiscovery, setArming } from '../catalog/alerting.js';
import type { Db } from '../catalog/db.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { sleep } from '../wait.js';
import { armingAfter } from './decide.js';
import {
  alertMessages, discoveryConfigs, discoveryUpdates, factMessages, offAtMs, topics, type Facts, type HaSetup, type MqttMessage,
} from './homeassistant.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

export interface MqttOptions extends HaSetup {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** Publish Home Assistant discovery configs (alerts.mqtt.discovery); false also removes those published before. */
  discovery: boolean;
  /** alerts.mqtt.snoozeMinutes: how long the switch's OFF lasts (0: until switched ON). */
  snoozeMinutes: number;
  /**
   * A one-shot client (`cctv alert test`): publishes discovery and alerts only, never the service's availability, the
   * sensors or a reset of the occupancy states (the service may be running beside it), and takes no commands.
   */
  oneShot?: boolean;
  /** How often the sensors are refreshed from `facts` (s). */
  factsEverySeconds: number;
  /** The catalog: the switch's state and the discovery configs published. */
  db: Db;
  /** What the sensors say now (readFacts). */
  facts: () => Promise<Facts>;
  /** Connect and per-publish timeout; default 10 s. */
  timeoutMs?: number;
  sinkName?: string;
}

/** The MQTT sink, also a Home Assistant device bridge; `publishFacts` lets a long-running process push live state. */
export interface MqttSink extends AlertSink {
  publishFacts(f: Facts): Promise<void>;
  /** Resolves once connected and set up (discovery, states, subscriptions); rejects after the timeout. */
  ready(): Promise<void>;
}

/**
 * Publishes alerts to an MQTT broker (MQTT 5, QoS 1) and keeps a Home Assistant device per camera and one for the
 * server up to date (topics and payloads: homeassistant.ts). It connects when created and stays connected
 * (reconnecting every 5 s), with a last will: `<prefix>/status` becomes `offline` if the process dies, even by
 * kill -9. On every (re)connect and whenever Home Assistant announces itself online on `<discovery prefix>/status`,
 * it republishes discovery (removing cameras and entities no longer configured), the switches and the sensors. Each
 * alert's occupancy ON goes back OFF at the event's end (eventEnded) or after `offAfterSeconds`; the retained ON
 * also expires at the broker then, so a process that dies never leaves an ON to be replayed. A send while the broker
 * is unreachable fails at once (the Alerter retries), so nothing queues up to be published twice.
 */
export function createMqttSink(o: MqttOptions): MqttSink {
  const name = o.sinkName ?? 'mqtt';
  const timeoutMs = o.timeoutMs ?? 10_000;
  const p = o.prefix;
  const on = new Map<string, { timer: NodeJS.Timeout; onMs: number; eventId: string | null }>();
  /** Ends of recent events (eventId → ms), oldest first. */
  const ended = new Map<string, number>();
  let closed = false;
  let lastError: string | null = null;
  /** Set when the connection closed (or an attempt failed) and cleared on connect: sends fail fast meanwhile. */
  let down = false;
  let setup: Promise<void> | null = null;

  const client: MqttClient = mqtt.connect(o.url, {
    protocolVersion: 5,
    username: o.username,
    password: o.password,
    connectTimeout: timeoutMs,
    reconnectPeriod: 5000,
    queueQoSZero: false,
    ...(o.oneShot ? {} : { will: { topic: topics.status(p), payload: Buffer.from('offline'), qos: 1 as const, retain: true } }),
  });
  client.on('error', (err) => {
    if (errorMessage(err) !== lastError) log.warn({ sink: name, err: errorMessage(err) }, 'mqtt: broker connection failed; retrying every 5 s');
    lastError = errorMessage(err);
  });
  client.on('close', () => {
    down = true;
    setup = null;
  });
  client.on('connect', () => {
    down = false;
    lastError = null;
    setup = onConnected();
    setup.catch((err) => log.error({ sink: name, err: errorMessage(err) }, 'mqtt: setup after connecting failed'));
  });
  client.on('message', (topic, payload, packet) => {
    // Retained commands and birth messages are history, not requests: acting on them would replay them on every start.
    if (packet.retain) return;
    void onMessage(topic, payload.toString()).catch((err) => {
      if (!closed) log.error({ sink: name, topic, err: errorMessage(err) }, 'mqtt: command not applied');
    });
  });
  const factsTimer = o.oneShot ? undefined : setInterval(() => void refreshFacts(), o.factsEverySeconds * 1000).unref();

  const publish = (m: MqttMessage) => {
    const opts: IClientPublishOptions = { qos: 1, retain: m.retain, ...(m.expirySeconds ? { properties: { messageExpiryInterval: m.expirySeconds } } : {}) };
    return withTimeout(client.publishAsync(m.topic, m.payload, opts), timeoutMs);
  };
  const publishAll = async (messages: MqttMessage[]) => {
    for (const m of messages) await publish(m);
  };

  async function onConnected(): Promise<void> {
    if (o.oneShot) return publishDiscovery();
    // Commands are taken from the moment the entities show online.
    await withTimeout(client.subscribeAsync([topics.armingSet(p, '+'), `${o.discoveryPrefix}/status`], { qos: 1 }), timeoutMs);
    await publish({ topic: topics.status(p), payload: 'online', retain: true });
    await publishDiscovery();
    // Nothing is ON in a fresh process: an ON retained by a process that died is replaced (it also expires).
    await publishAll(occupancyOff([...allOccupancyTopics()].filter((t) => !on.has(t))));
    await refreshFacts();
    log.info({ sink: name, discovery: o.discovery }, 'mqtt: connected; Home Assistant entities published');
  }

  async function publishDiscovery(): Promise<void> {
    const current = o.discovery ? discoveryConfigs(o) : new Map<string, Record<string, unknown>>();
    const previous = publishedDiscovery(o.db);
    for (const m of discoveryUpdates(previous, current)) {
      await publish(m);
      if (m.topic.startsWith(`${o.discoveryPrefix}/`) && m.topic.endsWith('/config')) {
        if (m.payload === '') forgetDiscovery(o.db, m.topic);
        else recordDiscovery(o.db, m.topic, m.payload as string);
      }
    }
  }

  function allOccupancyTopics(): Set<string> {
    return new Set(o.cameras.flatMap((c) => o.alertOn.map((l) => topics.label(p, c, l))));
  }

  async function onMessage(topic: string, payload: string): Promise<void> {
    if (topic === `${o.discoveryPrefix}/status`) {
      // Home Assistant (re)started: it wants the configs and the current states again.
      if (payload === 'online' && client.connected && !closed) await (setup = onConnected());
      return;
    }
    const camera = topic.slice(p.length + 1, -'/alerts/set'.length);
    if (!o.cameras.includes(camera)) return;
    const nowMs = Date.now();
    const next = armingAfter(payload, nowMs, o.snoozeMinutes);
    if (!next) {
      log.warn({ sink: name, camera, payload: payload.slice(0, 20) }, 'mqtt: alerts switch command is neither ON nor OFF; ignored');
      return;
    }
    setArming(o.db, camera, { ...next, changedMs: nowMs });
    log.info({ camera, armed: next.armed, until: next.untilMs && new Date(next.untilMs).toISOString() }, next.armed ? 'alerts armed' : 'alerts snoozed');
    await publish({ topic: topics.arming(p, camera), payload: next.armed ? 'ON' : 'OFF', retain: true });
  }

  async function refreshFacts(): Promise<void> {
    if (!client.connected) return;
    try {
      await publishAll(factMessages(p, await o.facts()));
    } catch (err) {
      log.warn({ sink: name, err: errorMessage(err) }, 'mqtt: sensors not refreshed');
    }
  }

  /** Schedules (or re-plans) the OFF of an occupancy topic. */
  function scheduleOff(topic: string, onMs: number, eventId: string | null, endedAtMs: number | null): void {
    clearTimeout(on.get(topic)?.timer);
    const delay = Math.max(0, offAtMs({ onMs, offAfterSeconds: o.offAfterSeconds, endedAtMs }) - Date.now());
    const timer = setTimeout(() => {
      on.delete(topic);
      if (client.connected) void publishAll(occupancyOff([topic])).catch((err) => log.warn({ topic, err: errorMessage(err) }, 'mqtt: OFF not published (it expires at the broker)'));
    }, delay);
    on.set(topic, { timer, onMs, eventId });
  }

  /** Connected and set up; fails at once while the broker is known to be unreachable, so nothing queues up. */
  async function ready(): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!setup) {
      if (closed) throw new Error(`${name}: closed`);
      if (down) throw new Error(`${name}: broker unreachable (${lastError ?? 'connection closed'})`);
      if (Date.now() > deadline) throw new Error(`${name}: not connected within ${timeoutMs} ms`);
      await sleep(20);
    }
    await setup;
  }

  return {
    name,
    ready,
    async send(alert: Alert): Promise<SendReceipt> {
      await ready();
      const messages = alertMessages(o, alert, (await alert.media?.snapshot()) ?? null);
      try {
        await publishAll(messages);
      } catch (err) {
        throw new Error(`${name}: ${errorMessage(err)}`);
      }
      const nowMs = Date.now();
      const endedAtMs = alert.eventId === null ? null : (ended.get(alert.eventId) ?? null);
      for (const m of messages) if (m.expirySeconds) scheduleOff(m.topic, nowMs, alert.eventId, endedAtMs);
      const bytes = messages.reduce((n, m) => n + Buffer.byteLength(m.payload), 0);
      return { answer: `${messages.length} messages (${bytes} bytes) acknowledged by the broker` };
    },
    eventEnded(e) {
      const endMs = Date.parse(e.at);
      // Remembered for a while: in a pipeline the end usually arrives before the alert (the clip is cut after it).
      ended.set(e.eventId, endMs);
      for (const id of ended.keys()) {
        if (ended.size <= MAX_ENDED) break;
        ended.delete(id);
      }
      for (const [topic, s] of on) {
        if (s.eventId === e.eventId && topic.startsWith(`${p}/${e.camera}/`)) scheduleOff(topic, s.onMs, s.eventId, endMs);
      }
    },
    async publishFacts(f: Facts): Promise<void> {
      await ready();
      await publishAll(factMessages(p, f));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // A setup in progress finishes first (each of its publishes is bounded by the timeout).
      await setup?.catch(() => undefined);
      clearInterval(factsTimer);
      const still = [...on.keys()];
      for (const s of on.values()) clearTimeout(s.timer);
      on.clear();
      if (client.connected) {
        // A clean stop: every ON goes OFF now, and the entities show unavailable.
        const offline: MqttMessage[] = o.oneShot ? [] : [{ topic: topics.status(p), payload: 'offline', retain: true }];
        await publishAll([...occupancyOff(still), ...offline]).catch((err) => {
          log.warn({ sink: name, err: errorMessage(err) }, 'mqtt: offline state not published (the last will says it)');
        });
      }
      await client.endAsync().catch(() => undefined);
    },
  };
}

/** Pure: retained OFF states. */
function occupancyOff(topicList: readonly string[]): MqttMessage[] {
  return topicList.map((topic) => ({ topic, payload: 'OFF', retain: true }));
}

/** How many recent event ends are remembered for alerts that arrive after them. */
const MAX_ENDED = 1000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
