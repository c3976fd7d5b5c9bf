import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCctv, tempProject } from '../helpers/cli.js';
import { startOnvifDevice, type OnvifDevice } from '../helpers/onvif-device/index.mjs';

/** The real binary (built dist/) in a pipe: stdout carries only NDJSON records, logs go to stderr. */
describe('cctv watch-events (process)', () => {
  const devices: OnvifDevice[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.close();
  });

  it('emits event and clip records, survives a wrong password on another camera, unsubscribes on SIGINT', async () => {
    const front = await startOnvifDevice({ profile: 'reolink', password: 'front-pass' });
    const locked = await startOnvifDevice({ profile: 'hikvision', password: 'right-pass' });
    devices.push(front, locked);
    const { dir, configPath } = tempProject({});
    const drop = path.join(dir, 'drop');
    mkdirSync(drop);
    writeFileSync(
      configPath,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        cameras: {
          front: { url: 'rtsp://127.0.0.1:1/front', onvif: { host: '127.0.0.1', port: front.port, username: 'admin', password: '${FRONT_PASSWORD}' }, dropDir: drop },
          locked: { url: 'rtsp://127.0.0.1:1/locked', onvif: { host: '127.0.0.1', port: locked.port, username: 'admin', password: 'wrong-pass' } },
        },
        events: { mergeGapSeconds: 0 },
      }),
    );
    writeFileSync(path.join(drop, 'ftp-clip.mp4'), 'a clip the camera uploaded');
    const run = spawnCctv(['--config', configPath, 'watch-events'], { cwd: dir, env: { FRONT_PASSWORD: 'front-pass' } });
    const waitFor = async (what: string, fn: () => boolean, ms = 15_000) => {
      const until = Date.now() + ms;
      while (!fn()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor('front subscribed', () => run.stderr().includes('camera front: subscribed'));
    front.trigger('motion', true);
    front.trigger('person', true);
    await waitFor('event records', () => run.records().filter((r) => r.kind === 'event').length === 2);
    await waitFor('clip record', () => run.records().some((r) => r.kind === 'clip'), 20_000);
    await waitFor('locked refused', () => /camera locked: ONVIF login refused/.test(run.stderr()));
    run.proc.kill('SIGINT');
    expect(await run.exited).toBe(0);

    const records = run.records();
    const events = records.filter((r) => r.kind === 'event');
    expect(events.map((e) => [e.camera, e.state, e.labels])).toEqual([
      ['front', 'start', ['motion']],
      ['front', 'update', ['motion', 'person']],
      ['front', 'end', ['motion', 'person']],
    ]);
    expect(records.filter((r) => r.kind === 'clip')).toEqual([
      expect.objectContaining({ v: 1, camera: 'front', path: path.join(drop, 'ftp-clip.mp4') }),
    ]);
    expect(front.stats.unsubscribes).toBe(1);
    expect(run.stderr()).not.toContain('front-pass');
    expect(run.stderr()).not.toContain('wrong-pass');
  }, 60_000);

  it('--list-topics prints each advertised topic with what it maps to, and exits', async () => {
    const cam = await startOnvifDevice({ profile: 'hikvision' });
    devices.push(cam);
    const { dir, configPath } = tempProject({});
    writeFileSync(
      configPath,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        cameras: { yard: { url: 'rtsp://127.0.0.1:1/yard', onvif: { host: '127.0.0.1', port: cam.port, username: 'admin', password: 'secret' } } },
      }),
    );
    const run = spawnCctv(['--config', configPath, 'watch-events', '--list-topics'], { cwd: dir });
    expect(await run.exited).toBe(0);
    expect(run.stdout().trim().split('\n')).toEqual([
      'yard  tns1:RuleEngine/CellMotionDetector/Motion [IsMotion]  → motion (ONVIF)',
      'yard  tns1:RuleEngine/FieldDetector/ObjectsInside [IsInside]  → intrusion (ONVIF)',
      'yard  tns1:RuleEngine/LineDetector/Crossed [ObjectId]  → line-crossing (ONVIF)',
      'yard  tns1:RuleEngine/TamperDetector/Tamper [IsTamper]  → tamper (ONVIF)',
    ]);
    expect(cam.stats.subscriptionsCreated).toBe(0);
  }, 30_000);
});

