import type { Db } from '../catalog/db.js';
import type { Config } from '../config/schema.js';
import type { Backoff } from '../wait.js';
import { Alerter } from './alerter.js';
import { createMqttSink } from './mqtt.js';
import type { AlertSink } from './types.js';
import { createWebhookSink } from './webhook.js';

/**
 * The alert sink registry: an explicit table from `alerts.<key>` to a factory. A sink is built only when its
 * section is configured.
 */
type AlertsConfig = Config['alerts'];
const SINKS: { [K in 'webhook' | 'mqtt']: (c: NonNullable<AlertsConfig[K]>) => AlertSink } = {
  webhook: (c) => createWebhookSink(c),
  mqtt: (c) => createMqttSink(c),
};

export function createAlertSinks(config: AlertsConfig): AlertSink[] {
  return (Object.keys(SINKS) as (keyof typeof SINKS)[]).flatMap((key) => {
    const section = config[key];
    return section ? [(SINKS[key] as (c: typeof section) => AlertSink)(section)] : [];
  });
}

/** The configured sinks behind an Alerter. */
export function createAlerter(db: Db, config: AlertsConfig, backoff?: Backoff): Alerter {
  return new Alerter({ db, sinks: createAlertSinks(config), maxAttempts: config.maxAttempts, ...(backoff ? { backoff } : {}) });
}

export { Alerter } from './alerter.js';
export { alerts, decideAlert, type AlertDecision } from './decide.js';
export { mqttMessages } from './mqtt.js';
export type { Alert, AlertLabel, AlertSink } from './types.js';
