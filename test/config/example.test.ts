import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/config/load.js';
import { configSchema } from '../../src/lib/config/schema.js';

const example = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));

describe('config.example.yaml', () => {
  it('is a valid configuration (it documents every key)', async () => {
    const env = { FRONT_PASSWORD: 'pw-front', CCTV_SERVE_PASSWORD: 'a-long-password' };
    const { config } = await loadConfig({ explicit: example, env });
    expect(config.cameras.front!.onvif!.password).toBe('pw-front');
  });

  it('shows the defaults of the schema', async () => {
    const defaults = configSchema.parse({});
    const { config } = await loadConfig({ explicit: example, env: { FRONT_PASSWORD: 'x', CCTV_SERVE_PASSWORD: 'a-long-password' } });
    for (const section of ['record', 'events', 'upload', 'retention'] as const) expect(config[section]).toEqual(defaults[section]);
    expect(config.detect).toEqual(defaults.detect);
    expect({ ...config.alerts, webhook: undefined, mqtt: undefined, publicUrl: undefined }).toEqual({ ...defaults.alerts, webhook: undefined, mqtt: undefined, publicUrl: undefined });
    expect({ ...config.serve, auth: undefined }).toEqual({ ...defaults.serve, auth: undefined });
  });
});
