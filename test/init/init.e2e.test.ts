import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/lib/config/load.js';
import { runCctv, spawnCctv } from '../helpers/cli.js';
import { startOnvifDevice, type OnvifDevice } from '../helpers/onvif-device/index.mjs';
import { freePort, waitFor } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

/** The variables of an env file as a POSIX shell reads it (`set -a; . ./cctv.env`), as JSON. */
const readEnv = (file: string): Record<string, string> => {
  const names = readFileSync(file, 'utf8').split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => l.slice(0, l.indexOf('=')));
  const script = `. "$1" && node -e 'console.log(JSON.stringify(Object.fromEntries(process.argv.slice(1).map((n) => [n, process.env[n]]))))' ${names.join(' ')}`;
  return JSON.parse(execFileSync('/bin/sh', ['-ac', script, 'sh', file], { encoding: 'utf8' })) as Record<string, string>;
};

describe('cctv init against the test ONVIF device (real binary)', () => {
  let cam: TestCamera;
  let device: OnvifDevice;
  const dir = mkdtempSync(path.join(tmpdir(), 'cctv-init-'));
  const PASSWORD = 'pa$$ "word" 9';
  beforeAll(async () => {
    cam = await TestCamera.start({ gop: 50 });
    device = await startOnvifDevice({ profile: 'hikvision', password: PASSWORD, streams: { main: cam.url, sub: `${cam.url}?sub=1` }, discovery: true });
  });
  afterAll(async () => {
    await Promise.all([cam?.stop(), device?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('unicast probe: a commented config with ${VAR} secrets and an env file; doctor accepts it; run records with it', async () => {
    const port = await freePort();
    const r = await runCctv(
      ['init', '--no-discover', '--probe', `127.0.0.1:${device.port}`, '--probe', `127.0.0.1:${port}`, '--username', 'admin', '--password-env', 'CAM_PW', '--segment-seconds', '10'],
      { cwd: dir, env: { CAM_PW: PASSWORD } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([path.join(dir, 'cctv.config.yaml'), path.join(dir, 'cctv.env')]);
    expect(r.stderr).toMatch(/camera1: cctv-test hikvision at 127\.0\.0\.1:\d+, main 1920x1080, sub 640x360; keyframes every 2s \(good\)/);
    const text = readFileSync(path.join(dir, 'cctv.config.yaml'), 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(text).toMatch(/^ {2}# main stream: profile "main", H264 1920x1080; keyframes every 2s \(good\)$/m);
    expect(text).toMatch(/^ {4}# subUrl: rtsp:\/\/admin:\$\{CAMERA1_PASSWORD\}@127\.0\.0\.1:\d+\/\S+\?sub=1$/m);
    const yaml = parse(text) as { cameras: Record<string, { url: string; onvif: Record<string, unknown> }> };
    expect(Object.keys(yaml.cameras)).toEqual(['camera1']);
    expect(yaml.cameras.camera1!.url).toBe(cam.url.replace('rtsp://', 'rtsp://admin:${CAMERA1_PASSWORD}@'));
    expect(yaml.cameras.camera1!.onvif).toEqual({ host: '127.0.0.1', port: device.port, username: 'admin', password: '${CAMERA1_PASSWORD}' });
    const envFile = path.join(dir, 'cctv.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = readEnv(envFile);
    expect(env).toEqual({ CAMERA1_PASSWORD: PASSWORD });
    const { config, unset } = await loadConfig({ cwd: dir, env });
    expect(unset).toEqual([]);
    expect(config.cameras.camera1!.onvif!.password).toBe(PASSWORD);

    const doctor = await runCctv(['doctor', '--json'], { cwd: dir, env });
    expect(doctor.code, doctor.stdout).toBe(0);
    const report = JSON.parse(doctor.stdout) as { checks: { what: string; level: string; detail: string }[] };
    expect(report.checks.find((c) => c.what === 'camera camera1')).toMatchObject({ level: 'ok', detail: expect.stringMatching(/^h264 640x360 25 fps, keyframe every 2s/) });

    const run = spawnCctv(['run', '--port', String(port)], { cwd: dir, env });
    try {
      const ready = await waitFor('cctv run ready and recording', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
        return res?.status === 200 ? ((await res.json()) as { stages: { name: string; recording?: boolean }[] }) : null;
      }, 60_000, 250);
      expect(ready.stages.find((s) => s.name === 'record camera1')?.recording).toBe(true);
      await waitFor('the ONVIF subscription', () => device.subscriptions > 0, 30_000);
    } finally {
      run.proc.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);

    const again = await runCctv(['init', '--no-discover', '--probe', `127.0.0.1:${device.port}`, '--username', 'admin', '--password-env', 'CAM_PW'], { cwd: dir, env: { CAM_PW: PASSWORD } });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: choose another --out\/--secrets-file, or --force/);
  }, 150_000);

  it('WS-Discovery (multicast on this host) finds the device; wrong credentials leave it out with the reason', async () => {
    const out = path.join(dir, 'discovered.yaml');
    const r = await runCctv(['init', '--username', 'admin', '--password-env', 'CAM_PW', '--no-keyframe-check', '--out', out, '--secrets-file', path.join(dir, 'd.env')], { cwd: dir, env: { CAM_PW: PASSWORD } });
    expect(r.code, r.stderr).toBe(0);
    expect(device.stats.probes).toBeGreaterThanOrEqual(1);
    expect(readFileSync(out, 'utf8')).toContain(`port: ${device.port}`);
    const wrong = await runCctv(['init', '--no-discover', '--probe', `127.0.0.1:${device.port}`, '--username', 'admin', '--password-env', 'CAM_PW', '--out', path.join(dir, 'w.yaml'), '--secrets-file', path.join(dir, 'w.env')], { cwd: dir, env: { CAM_PW: 'not-it' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot read 127\.0\.0\.1:\d+: .*wrong credentials\?/);
    expect(wrong.stderr).toMatch(/no camera could be read with these credentials/);
    const none = await runCctv(['init', '--no-discover', '--username', 'a', '--password-env', 'CAM_PW', '--out', path.join(dir, 'n.yaml'), '--secrets-file', path.join(dir, 'n.env')], { cwd: dir, env: { CAM_PW: 'x' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no ONVIF camera found: .*--probe/);
  }, 60_000);
});
