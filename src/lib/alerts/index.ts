import { createRequire } from 'node:module';
import type { Db } from '../catalog/db.js';
import type { Config } from '../config/schema.js';
import type { Storage } from '../storage/index.js';
import type { Backoff } from '../wait.js';
import { Alerter } from './alerter.js';
import { readFacts } from './facts.js';
import { hostTimeZone } from './filter.js';
import { storageMedia } from './media.js';
import { createMqttSink, type MqttSink } from './mqtt.js';
import { createListedSink, sinkName } from './sinks.js';
import type { AlertSink } from './types.js';
import { createWebhookSink } from './webhook.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/**
 * Every configured sink, in this order: `alerts.webhook` (named webhook), `alerts.mqtt` (named mqtt: the Home
 * Assistant bridge, which connects at once), then each of `alerts.sinks` (sinks.ts). `db` holds the arm/snooze
 * switches and the discovery configs published. `oneShot` (cctv alert test): the MQTT sink publishes discovery and
 * the alert but does not speak for the service's availability (another cctv process may be running). `only`: just the
 * sink of that name.
 */
export function createAlertSinks(config: Config, db: Db, opts: { oneShot?: boolean; only?: string } = {}): AlertSink[] {
  const a = config.alerts;
  const timeZone = a.timeZone ?? hostTimeZone();
  const wanted = (name: string) => opts.only === undefined || opts.only === name;
  return [
    ...(a.webhook && wanted('webhook') ? [createWebhookSink(a.webhook)] : []),
    ...(a.mqtt && wanted('mqtt') ? [createHomeAssistantSink(config, db, a.mqtt, opts.oneShot ?? false)] : []),
    ...a.sinks.filter((s) => wanted(sinkName(s))).map((s) => createListedSink(s, timeZone)),
  ];
}

/** The names of the configured sinks, in createAlertSinks' order. */
export function sinkNames(config: Config): string[] {
  const a = config.alerts;
  return [...(a.webhook ? ['webhook'] : []), ...(a.mqtt ? ['mqtt'] : []), ...a.sinks.map(sinkName)];
}

function createHomeAssistantSink(config: Config, db: Db, m: NonNullable<Config['alerts']['mqtt']>, oneShot: boolean): MqttSink {
  return createMqttSink({
    oneShot,
    url: m.url, username: m.username, password: m.password, prefix: m.topicPrefix, discovery: m.discovery, discoveryPrefix: m.discoveryPrefix,
    offAfterSeconds: m.offAfterSeconds, snoozeMinutes: m.snoozeMinutes, factsEverySeconds: m.sensorsEverySeconds,
    cameras: Object.keys(config.cameras), alertOn: config.alerts.on, version, db,
    facts: async () => readFacts(db, config),
  });
}

/**
 * The configured sinks behind an Alerter, which starts delivering what is queued at once (including what an
 * earlier process left). `storage`: where alert pictures are read from (without it, alerts carry none).
 */
export function createAlerter(db: Db, config: Config, o: { storage?: Storage; backoff?: Backoff } = {}): Alerter {
  return new Alerter({
    db, sinks: createAlertSinks(config, db), maxAttempts: config.alerts.maxAttempts, ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.storage ? { media: (keys: { poster: string | null; clip: string | null }) => storageMedia(o.storage!, keys) } : {}),
  });
}

export { Alerter } from './alerter.js';
export { alerts, armedAt, decideAlert, type AlertDecision } from './decide.js';
export type { Alert, AlertLabel, AlertMedia, AlertSink, SendReceipt } from './types.js';
