import mqtt, { type MqttClient } from 'mqtt';
import { errorMessage } from '../errors.js';
import type { Alert, AlertSink } from './types.js';

export interface MqttOptions {
  url: string;
  topicPrefix: string;
  username?: string;
  password?: string;
  /** Connect and per-publish timeout; default 10 s. */
  timeoutMs?: number;
}

/** Pure: the topics and payloads one alert publishes (see createMqttSink). */
export function mqttMessages(prefix: string, alert: Alert): { topic: string; payload: string; retain: boolean }[] {
  const base = `${prefix}/${alert.camera}`;
  return [
    ...alert.labels.map((l) => ({ topic: `${base}/${l.name}`, payload: 'ON', retain: true })),
    { topic: `${base}/event`, payload: JSON.stringify(alert), retain: false },
  ];
}

/**
 * Publishes alerts to an MQTT broker (QoS 1), Home Assistant style:
 * - `<prefix>/<camera>/<label>` (e.g. `cctv/front/person`): retained `ON` for each alert label found
 *   (a binary_sensor with `payload_on: ON` and `off_delay`);
 * - `<prefix>/<camera>/event`: the alert as JSON, not retained.
 * Connects on the first send and stays connected; a failed attempt drops the connection so the next
 * attempt starts clean (no library-side queueing, so a retry never publishes twice from a stale queue).
 */
export function createMqttSink(o: MqttOptions): AlertSink {
  const timeoutMs = o.timeoutMs ?? 10_000;
  let client: MqttClient | undefined;
  const drop = async () => {
    const c = client;
    client = undefined;
    await c?.endAsync(true).catch(() => undefined);
  };
  return {
    name: 'mqtt',
    async send(alert: Alert): Promise<void> {
      try {
        client ??= await mqtt.connectAsync(o.url, {
          username: o.username,
          password: o.password,
          connectTimeout: timeoutMs,
          reconnectPeriod: 0,
          queueQoSZero: false,
        });
        const c = client;
        await withTimeout(
          Promise.all(mqttMessages(o.topicPrefix, alert).map((m) => c.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain }))),
          timeoutMs,
        );
      } catch (err) {
        await drop();
        throw new Error(`mqtt: ${errorMessage(err) || 'connection failed'}`);
      }
    },
    async close(): Promise<void> {
      const c = client;
      client = undefined;
      await c?.endAsync().catch(() => undefined);
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no PUBACK within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
