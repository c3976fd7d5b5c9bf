import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyCovers, loadConfig, redactedConfig, requireEnv } from '../../src/lib/config/load.js';
import { UserError } from '../../src/lib/errors.js';
import { redactText } from '../../src/lib/redact.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const CAMERA = 'cameras:\n  front:\n    url: rtsp://admin:${FRONT_PASSWORD}@192.168.1.20:554/s\n';

describe('loadConfig', () => {
  it('gives every default when there is no file', async () => {
    const dir = project({});
    const { config, filepath } = await loadConfig({ cwd: dir, env: {} });
    expect(filepath).toBeNull();
    expect(config.record).toMatchObject({ segmentSeconds: 900, format: 'mkv' });
    expect(config.events).toMatchObject({ preRollSeconds: 5, postRollSeconds: 10, maxEventSeconds: 300 });
    expect(config.dataDir).toBe(path.join(dir, 'cctv-data'));
    expect(config.storage.url).toBe(`file://${path.join(dir, 'cctv-data', 'archive')}`);
  });

  it('finds cctv.config.yaml in a parent folder and resolves paths against it', async () => {
    const dir = project({ 'cctv.config.yaml': 'dataDir: ./d\nstorage:\n  url: file://./arch\n', 'sub/x': '' });
    const { config, filepath } = await loadConfig({ cwd: path.join(dir, 'sub'), env: {} });
    expect(filepath).toBe(path.join(dir, 'cctv.config.yaml'));
    expect(config.dataDir).toBe(path.join(dir, 'd'));
    expect(config.storage.url).toBe(`file://${path.join(dir, 'arch')}`);
  });

  it('takes --config before $CCTV_CONFIG before the search', async () => {
    const dir = project({ 'a.yaml': 'dataDir: /a\n', 'b.json': '{"dataDir": "/b"}', 'cctv.config.yaml': 'dataDir: /c\n' });
    expect((await loadConfig({ cwd: dir, explicit: 'a.yaml', env: { CCTV_CONFIG: 'b.json' } })).config.dataDir).toBe('/a');
    expect((await loadConfig({ cwd: dir, env: { CCTV_CONFIG: 'b.json' } })).config.dataDir).toBe('/b');
    expect((await loadConfig({ cwd: dir, env: {} })).config.dataDir).toBe('/c');
  });

  it('expands ${VAR} and registers the secret so it never reaches a log', async () => {
    const dir = project({ 'cctv.config.yaml': `${CAMERA}    onvif:\n      host: h\n      password: \${FRONT_PASSWORD}\n` });
    const { config } = await loadConfig({ cwd: dir, env: { FRONT_PASSWORD: 's3cr3t-pw' } });
    expect(config.cameras.front!.url).toBe('rtsp://admin:s3cr3t-pw@192.168.1.20:554/s');
    expect(redactText('connect to rtsp://admin:s3cr3t-pw@h failed; password s3cr3t-pw')).toBe('connect to rtsp://admin:***@h failed; password ***');
    expect(JSON.stringify(redactedConfig(config))).not.toContain('s3cr3t-pw');
  });

  it('shows only the origin of a webhook URL (its path is often the secret)', async () => {
    const dir = project({ 'cctv.config.yaml': 'alerts:\n  webhook:\n    url: https://ntfy.sh/my-secret-topic\n' });
    const { config } = await loadConfig({ cwd: dir, env: {} });
    expect((redactedConfig(config) as typeof config).alerts.webhook!.url).toBe('https://ntfy.sh/***');
  });

  it.each([
    ['a value out of range', 'record:\n  segmentSeconds: 5\n', /record\.segmentSeconds \(cctv\.config\.yaml line 2\): .*10/],
    ['a typo', 'record:\n  segmentSecond: 60\n', /record\.segmentSecond \(cctv\.config\.yaml line 2\): unknown key "segmentSecond"/],
    ['a per-camera override', 'cameras:\n  front:\n    url: rtsp://h/s\n    record:\n      segmentSeconds: 4000\n', /cameras\.front\.record\.segmentSeconds \(cctv\.config\.yaml line 5\)/],
    ['a bad URL', 'cameras:\n  front:\n    url: ftp://h/s\n', /cameras\.front\.url .*rtsp:\/\//],
    ['an alert label nothing detects', 'alerts:\n  on: [unicorn]\n', /alerts\.on\.0 .*"unicorn" is not in detect\.labels/],
    ['broken YAML', 'record: [\n', /cctv\.config\.yaml: invalid YAML at line/],
    ['a site name that cannot be a key prefix', 'site: My House\n', /site \(cctv\.config\.yaml line 1\): must be 1-32 lowercase letters/],
    ['a site whose S3 prefix is not its own', 'site: home\nstorage:\n  url: s3://bucket/shop\n', /storage\.url .*with site "home" the S3 URL must end with \/home/],
  ])('rejects %s with the key, file and line', async (_what, text, message) => {
    const dir = project({ 'cctv.config.yaml': text });
    const err = await loadConfig({ cwd: dir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
  });

  it('serve: tls files relative to the config file; a trusted proxy that is not an address is an error naming key and line', async () => {
    const dir = project({ 'conf/cctv.config.yaml': 'serve:\n  tls: { cert: tls/cert.pem, key: /etc/key.pem }\n  trustedProxies: [127.0.0.1, "fd00::/8"]\n' });
    const { config } = await loadConfig({ explicit: 'conf/cctv.config.yaml', cwd: dir, env: {} });
    expect(config.serve.tls).toEqual({ cert: path.join(dir, 'conf', 'tls', 'cert.pem'), key: '/etc/key.pem' });
    expect(config.serve.trustedProxies).toEqual(['127.0.0.1', 'fd00::/8']);
    const bad = project({ 'cctv.config.yaml': 'serve:\n  trustedProxies:\n    - nginx.local\n' });
    await expect(loadConfig({ cwd: bad, env: {} })).rejects.toThrow(
      /serve\.trustedProxies\.0 \(cctv\.config\.yaml line 3\): must be an IP address or a CIDR range/,
    );
  });

  it('site: names the installation; its S3 prefix ends with it (a 0.1 prefix without a site stays valid)', async () => {
    const site = project({ 'cctv.config.yaml': 'site: home\nstorage:\n  url: s3://bucket/cctv/home\n' });
    expect((await loadConfig({ cwd: site, env: {} })).config.site).toBe('home');
    const legacy = project({ 'cctv.config.yaml': 'storage:\n  url: s3://bucket/anything\n' });
    expect((await loadConfig({ cwd: legacy, env: {} })).config.site).toBeUndefined();
  });

  it('names a missing --config file', async () => {
    const err = await loadConfig({ cwd: project({}), explicit: 'nope.yaml', env: {} }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/config file not found: nope\.yaml/);
  });

  it('an unset ${VAR} is required only by a command that reads its key, with the key, file and line', async () => {
    const dir = project({ 'cctv.config.yaml': `${CAMERA}serve:\n  auth: { username: admin, password: \"\${WEB_PASSWORD}\" }\n` });
    const { config, unset } = await loadConfig({ cwd: dir, env: {} });
    expect(unset.map((u) => [u.name, u.key])).toEqual([['FRONT_PASSWORD', 'cameras.front.url'], ['WEB_PASSWORD', 'serve.auth.password']]);
    expect(config.cameras.front!.url).not.toContain('${');
    expect(() => requireEnv(unset, ['dataDir', 'storage'])).not.toThrow();
    expect(() => requireEnv(unset, ['cameras.*.url'])).toThrow(/cameras\.front\.url \(cctv\.config\.yaml line 3\): environment variable FRONT_PASSWORD is not set/);
    expect(() => requireEnv(unset, ['serve'])).toThrow(/serve\.auth\.password \(cctv\.config\.yaml line 5\): environment variable WEB_PASSWORD is not set/);
    expect(() => requireEnv(unset, ['*'])).toThrow(UserError);
  });

  it('an unset ${VAR} whose placeholder breaks its key is reported as the unset variable', async () => {
    const dir = project({ 'cctv.config.yaml': 'storage:\n  endpoint: ${S3_ENDPOINT}\n' });
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toThrow(/storage\.endpoint \(cctv\.config\.yaml line 2\): environment variable S3_ENDPOINT is not set/);
  });

  it.each([
    ['serve', 'serve.auth.password', true],
    ['cameras.*.url', 'cameras.front.url', true],
    ['cameras.*.url', 'cameras.front.onvif.password', false],
    ['cameras.back.url', 'cameras.front.url', false],
    ['cameras', 'cameras.front.onvif.password', true],
    ['serve.publicUrl', 'serve.auth.password', false],
    ['alerts.sinks', 'alerts.sinks.0.token', true],
  ])('keyCovers(%s, %s) = %s', (pattern, key, expected) => {
    expect(keyCovers(pattern, key)).toBe(expected);
  });
});
