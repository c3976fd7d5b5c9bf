import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';
import { runCctv, spawnCctv, tempProject } from '../helpers/cli.js';
import { vtestClip, vtestPath } from '../helpers/footage.js';
import { waitFor } from '../helpers/ports.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

/**
 * Found by bench/soak.mjs: a storage outage longer than analyze's 5 attempts (~20 s of backoff) used to fail the
 * analysis "until the next run", so a pipeline that keeps running (`watch-events | upload | analyze`) never analysed
 * those clips nor sent their alerts until it was restarted. Now, while input is open, an outage is retried for as
 * long as it lasts (as `cctv upload` does). Real binary, real s3rver stopped and started, the local detector on
 * real pedestrian footage, a real webhook receiver.
 */
let dir: string;
let clip: string;
let server: S3TestServer;
let receiver: Receiver;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cctv-analyze-outage-'));
  clip = vtestClip(await vtestPath(), dir, 'a.mp4', 0, 20);
  server = await startS3Server();
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('analyze during a storage outage', () => {
  it('keeps retrying while its input is open, and analyses and alerts once storage is back', async () => {
    const p = tempProject({
      dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } },
      storage: { url: `s3://${server.bucket}/outage`, region: server.region, endpoint: server.endpoint, forcePathStyle: true, checksums: 'when_required' },
      alerts: { on: ['person'], webhook: { url: receiver.url } },
    });
    const up = await runCctv(['upload', '--camera', 'front', clip], { cwd: p.dir });
    expect(up.code, up.stderr).toBe(0);
    const uploaded = up.records()[0]!;
    const db = openDb(path.join(p.dir, 'data'));
    const item = () => db.prepare('SELECT state, attempts FROM outbox WHERE key = ?').get(`analysis:${uploaded.url as string}`) as { state: string; attempts: number };

    await server.pause();
    const run = spawnCctv(['analyze'], { cwd: p.dir }); // stdin stays open: a pipeline that keeps running
    try {
      run.proc.stdin!.write(`${JSON.stringify(uploaded)}\n`);
      // Past the 5 attempts after which the analysis used to be failed for the rest of the run.
      await waitFor('six failed attempts', () => {
        if (item().state === 'failed') throw new Error('the analysis was failed for the rest of the run');
        return item().attempts >= 6;
      }, 240_000, 200);
      expect(item().state).toBe('pending');
      expect(receiver.requests).toHaveLength(0);
      await server.resume();
      await waitFor('the analyzed record', () => run.records().find((r) => r.kind === 'analyzed'), 240_000, 200);
      run.proc.stdin!.end();
      expect(await run.exited, run.stderr()).toBe(0);
    } finally {
      run.proc.kill('SIGKILL');
    }
    const analyzed = run.records().filter((r) => r.kind === 'analyzed');
    expect(analyzed).toHaveLength(1);
    expect(analyzed[0]).toMatchObject({ url: uploaded.url, alert: true });
    expect(item()).toMatchObject({ state: 'done' });
    expect(receiver.requests).toHaveLength(1);
    db.close();
  }, 600_000);
});
