import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/config/load.js';
import { configSchema } from '../../src/lib/config/schema.js';

const example = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));
/** The secrets config.example.yaml takes from the environment. */
const SECRETS = {
  WEBHOOK_TOKEN: 'wh-token', MQTT_PASSWORD: 'mqtt-pw', NTFY_TOPIC: 'front-door-x1', NTFY_TOKEN: 'tk_example', PUSHOVER_APP_TOKEN: 'app-token',
  PUSHOVER_USER_KEY: 'user-key', TELEGRAM_BOT_TOKEN: '1:abc', GOTIFY_APP_TOKEN: 'gotify-token', SLACK_WEBHOOK_PATH: 'T0/B0/x',
};

describe('config.example.yaml', () => {
  it('is a valid configuration (it documents every key)', async () => {
    const env = { ...SECRETS, FRONT_PASSWORD: 'pw-front', CCTV_SERVE_PASSWORD: 'a-long-password' };
    const { config } = await loadConfig({ explicit: example, env });
    expect(config.cameras.front!.onvif!.password).toBe('pw-front');
  });

  it('shows the defaults of the schema', async () => {
    const defaults = configSchema.parse({});
    const { config } = await loadConfig({ explicit: example, env: { ...SECRETS, FRONT_PASSWORD: 'x', CCTV_SERVE_PASSWORD: 'a-long-password' } });
    for (const section of ['record', 'events', 'upload', 'retention'] as const) expect(config[section]).toEqual(defaults[section]);
    expect(config.detect).toEqual(defaults.detect);
    const optional = { webhook: undefined, mqtt: undefined, publicUrl: undefined, sinks: undefined, timeZone: undefined };
    expect({ ...config.alerts, ...optional }).toEqual({ ...defaults.alerts, ...optional });
    // The MQTT section shows its defaults too.
    const { url: _u, username: _n, password: _p, ...mqttDefaults } = config.alerts.mqtt!;
    expect(mqttDefaults).toEqual({ topicPrefix: 'cctv', discovery: true, discoveryPrefix: 'homeassistant', offAfterSeconds: 60, snoozeMinutes: 0, sensorsEverySeconds: 60 });
    expect({ ...config.serve, auth: undefined }).toEqual({ ...defaults.serve, auth: undefined });
  });
});
