import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { formatStatus, type StatusReport } from '../../src/commands/status.js';
import { runCctv, spawnCctv, tempProject, type Running } from '../helpers/cli.js';
import { startOnvifDevice, type OnvifDevice } from '../helpers/onvif-device/index.mjs';
import { freePort, waitFor } from '../helpers/ports.js';
import { samples, scrape, value } from '../helpers/prometheus.js';
import { TestCamera } from '../helpers/rtsp-camera.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

/** PIDs of the children of `pid` whose command line contains `text`. */
const childrenWith = (pid: number, text: string): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', text], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

describe('cctv run (real binary, RTSP camera, ONVIF device, S3-protocol server, web app)', () => {
  let cam: TestCamera;
  let device: OnvifDevice;
  let s3: S3TestServer;
  let run: Running | undefined;
  let dir = '';
  beforeAll(async () => {
    [cam, device, s3] = await Promise.all([TestCamera.start({ gop: 25 }), startOnvifDevice({ profile: 'hikvision', password: 'onvif-pw-9' }), startS3Server('run')]);
  });
  afterAll(async () => {
    if (run && run.proc.exitCode === null) run.proc.kill('SIGKILL');
    await Promise.all([cam?.stop(), device?.close(), s3?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every stage, reports them on /readyz, /metrics and cctv status; a killed ffmpeg restarts its stage only; SIGTERM stops cleanly', async () => {
    const port = await freePort();
    ({ dir } = tempProject({
      cameras: {
        front: {
          url: cam.url,
          onvif: { host: '127.0.0.1', port: device.port, username: 'admin', password: '${FRONT_ONVIF_PASSWORD}' },
        },
      },
      record: { segmentSeconds: 10 },
      events: { preRollSeconds: 1, postRollSeconds: 1 },
      storage: { url: `s3://${s3.bucket}/site`, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, checksums: 'when_required' },
      serve: { port },
    }));
    const env = { ...s3.env, FRONT_ONVIF_PASSWORD: 'onvif-pw-9' };
    run = spawnCctv(['run'], { cwd: dir, env });
    onTestFailed(() => console.error(`cctv run (exit ${run!.proc.exitCode}) log (last lines):\n${run!.stderr().split('\n').slice(-40).join('\n')}`));
    const url = `http://127.0.0.1:${port}`;

    const ready = await waitFor('/readyz 200', async () => {
      const r = await fetch(`${url}/readyz`).catch(() => null);
      return r?.status === 200 ? ((await r.json()) as { stages: { name: string; state: string }[] }) : null;
    }, 60_000, 250);
    expect(ready.stages.map((s) => s.name).sort()).toEqual(['analyze', 'events', 'prune', 'record front', 'serve', 'upload']);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const before = await scrape(url);
    expect(value(before, 'cctv_camera_recording', { camera: 'front' })).toBe(1);
    expect(samples(before, 'cctv_stage_up').every(([, v]) => v === 1)).toBe(true);
    expect(value(before, 'cctv_disk_free_bytes')).toBeGreaterThan(0);
    expect(value(before, 'cctv_outbox_items', { state: 'pending' })).toBe(0);

    // An ONVIF motion event: recorded, clip cut and stored in S3, analysed; the metrics move with it.
    await waitFor('the ONVIF subscription', () => device.subscriptions > 0, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    device.trigger('motion', true);
    await new Promise((r) => setTimeout(r, 2000));
    device.trigger('motion', false);
    // The detector blocks the event loop for seconds when it loads: a scrape then may meet a socket closed by the
    // server's keep-alive timer, as Prometheus would (it scrapes again): errors are retried here too.
    const moved = await waitFor('an event, a stored clip and its analysis in /metrics', async () => {
      const m = await scrape(url).catch(() => null);
      if (!m) return null;
      return (value(m, 'cctv_event_to_clip_seconds_count', { camera: 'front' }) ?? 0) >= 1 && (value(m, 'cctv_analysis_seconds_count') ?? 0) >= 1 ? m : null;
    }, 120_000, 1000);
    expect(value(moved, 'cctv_events_total', { camera: 'front', source: 'onvif' })).toBe(1);
    expect(value(moved, 'cctv_catalog_clips')).toBe(1);
    expect(value(moved, 'cctv_segment_lag_seconds', { camera: 'front' })).toBeLessThan(5);

    // Kill the recorder's ffmpeg: that stage alone restarts. (On a loaded machine its stall watchdog may have restarted
    // it already: counted from here.)
    const restartsBefore = value(await scrape(url), 'cctv_stage_restarts', { stage: 'record front' }) ?? 0;
    const ffmpeg = childrenWith(run.proc.pid!, cam.url);
    expect(ffmpeg).toHaveLength(1);
    process.kill(ffmpeg[0]!, 'SIGKILL');
    const after = await waitFor('the recorder restarted and recording again', async () => {
      const m = await scrape(url).catch(() => null);
      if (!m) return null;
      return (value(m, 'cctv_stage_restarts', { stage: 'record front' }) ?? 0) > restartsBefore && value(m, 'cctv_camera_recording', { camera: 'front' }) === 1 ? m : null;
    }, 60_000, 500);
    for (const [labels, restarts] of samples(after, 'cctv_stage_restarts')) {
      if (labels.stage === 'record front') expect(restarts).toBeGreaterThan(restartsBefore);
      else expect(restarts, labels.stage).toBe(0);
    }
    const newFfmpeg = childrenWith(run.proc.pid!, cam.url);
    expect(newFfmpeg).toHaveLength(1);
    expect(newFfmpeg[0]).not.toBe(ffmpeg[0]);

    const status = await runCctv(['status', '--json'], { cwd: dir, env: {} });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { ready: boolean; stages: { name: string; restarts: number; lastError: string | null }[]; catalog: { clips: number } };
    expect(report.ready).toBe(true);
    expect(report.catalog.clips).toBe(1);
    const record = report.stages.find((s) => s.name === 'record front')!;
    expect(record.restarts).toBeGreaterThan(restartsBefore);
    expect(record.lastError).toMatch(/ffmpeg killed by SIGKILL|stalled/);
    // What a person sees on a terminal (the same report).
    expect(formatStatus(report as StatusReport)).toMatch(new RegExp(`^record front +running +\\d+s +${record.restarts} +${record.lastError}$`, 'm'));
    expect(status.stdout + run.stderr()).not.toContain('onvif-pw-9');

    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(childrenWith(run.proc.pid!, 'ffmpeg')).toEqual([]);
    const down = await runCctv(['status', '--json'], { cwd: dir, env: {} });
    expect(down.code).toBe(1);
    const gone = JSON.parse(down.stdout) as StatusReport;
    expect(gone).toMatchObject({ running: false, ready: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(formatStatus(gone)).toMatch(/^service {3}not running at http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED/);
  }, 240_000);
});
