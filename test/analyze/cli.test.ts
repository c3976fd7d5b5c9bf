import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { startMosquitto, subscribe, type Broker, type Received } from '../alerts/mosquitto.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';
import { runCctv, spawnCctv, tempProject } from '../helpers/cli.js';
import { makeTestPattern, vtestClip, vtestPath } from '../helpers/footage.js';
import { startRekognitionServer } from '../helpers/rekognition-server.js';
import { startS3Server } from '../helpers/s3-server.js';

/**
 * `cctv upload | cctv analyze` with the real binary, the local detector on real pedestrian footage, a real
 * webhook receiver and a real mosquitto broker with a subscriber.
 */
let dir: string;
let vtA: string;
let vtB: string;
let pattern: string;
let broker: Broker;
let receiver: Receiver;
let sub: { messages: Received[]; close(): Promise<void> };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cctv-analyze-cli-'));
  const src = await vtestPath();
  vtA = vtestClip(src, dir, 'a.mp4', 0, 40);
  vtB = vtestClip(src, dir, 'b.mp4', 30, 20); // 20 s after A: inside A's 60 s cooldown
  pattern = await makeTestPattern(dir, 6);
  [broker, receiver] = await Promise.all([startMosquitto(), startReceiver()]);
  sub = await subscribe(broker.url, 'cctv/#');
}, 60_000);
afterAll(async () => {
  await sub?.close();
  await Promise.all([broker?.stop(), receiver?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const events = () => sub.messages.filter((m) => m.topic === 'cctv/front/event');
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('cctv upload | cctv analyze', () => {
  const project = () =>
    tempProject({
      dataDir: './data',
      cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } },
      storage: { url: 'file://./archive' },
      upload: { concurrency: 1 },
      alerts: { on: ['person'], cooldownSeconds: 60, webhook: { url: receiver.url }, mqtt: { url: broker.url }, publicUrl: 'http://nvr.local:8080' },
    });
  let p: ReturnType<typeof project>;
  let input: string;
  let results: Record<string, unknown>[];

  it('tags the pedestrian clips person, alerts once (cooldown for the second), not for the test pattern; passes records through', async () => {
    p = project();
    const up = await runCctv(['upload', '--camera', 'front', vtA, pattern, vtB], { cwd: p.dir });
    expect(up.code, up.stderr).toBe(0);
    // upload stores two at a time and writes each record when its clip is stored: in any order. The input here is
    // A, the pattern, B (A's clip starts first, B's 20 s later, the pattern's last), as a drop folder would bring them.
    const stored = up.records();
    expect(stored.map((r) => r.kind)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    const [earliest, middle, latest] = [...stored].sort((x, y) => Date.parse(x.start as string) - Date.parse(y.start as string));
    const uploaded = [earliest!, latest!, middle!];
    const foreign = { v: 1, kind: 'weather', temp: 3 };
    input = [foreign, ...uploaded].map((r) => JSON.stringify(r)).join('\n');
    const posterBefore = readFileSync(fileURLToPath(uploaded[0]!.poster as string));
    const patternPosterBefore = readFileSync(fileURLToPath(uploaded[1]!.poster as string));

    const r = await runCctv(['analyze'], { cwd: p.dir, input });
    expect(r.code, r.stderr).toBe(0);
    const out = r.records();
    expect(out.map((x) => x.kind)).toEqual(['weather', 'uploaded', 'analyzed', 'uploaded', 'analyzed', 'uploaded', 'analyzed']);
    expect(out[0]).toEqual(foreign);
    expect(out.filter((x) => x.kind === 'uploaded')).toEqual(uploaded);
    results = out.filter((x) => x.kind === 'analyzed');
    const [a, pat, b] = results as { url: string; labels: { name: string; confidence: number; at: string }[]; alert: boolean; frames: number; detector: string; eventId: unknown }[];
    // (On failure: the records and analyze's log, to tell a missed person from an alert decision.)
    const why = `${JSON.stringify(results)}\n${r.stderr}`;
    expect(a, why).toMatchObject({ url: uploaded[0]!.url, camera: 'front', eventId: null, detector: 'local', alert: true });
    expect(a!.labels.map((l) => l.name)).toContain('person');
    expect(a!.frames).toBeGreaterThanOrEqual(1);
    expect(pat).toMatchObject({ url: uploaded[1]!.url, labels: [], alert: false, frames: 5 });
    expect(b!.labels.map((l) => l.name)).toContain('person');
    expect(b!.alert).toBe(false); // 20 s after A on the same camera

    // One alert, on both sinks, with links through the web app.
    expect(receiver.requests).toHaveLength(1);
    const alert = receiver.requests[0]!.body;
    const key = new URL(uploaded[0]!.url as string).pathname.split('/archive/')[1];
    expect(alert).toMatchObject({ kind: 'alert', camera: 'front', clip: `http://nvr.local:8080/media/clip/${key}`, poster: `http://nvr.local:8080/media/poster/${key}` });
    expect((alert.labels as { name: string }[]).map((l) => l.name)).toEqual(['person']);
    await settle();
    expect(events().map((m) => JSON.parse(m.payload))).toEqual([alert]);
    // Home Assistant's occupancy state: reset OFF when the process connects, ON at the alert, OFF when it stops cleanly.
    expect(sub.messages.filter((m) => m.topic === 'cctv/front/person').map((m) => m.payload)).toEqual(['OFF', 'ON', 'OFF']);

    // Results: manifest, catalog, poster with boxes.
    const manifest = JSON.parse(readFileSync(fileURLToPath(a!.url.replace(/mp4$/, 'json')), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ labels: a!.labels, detector: 'local', frames: a!.frames, sha256: uploaded[0]!.sha256 });
    expect(readFileSync(fileURLToPath(uploaded[0]!.poster as string)).equals(posterBefore)).toBe(false);
    expect(readFileSync(fileURLToPath(uploaded[1]!.poster as string)).equals(patternPosterBefore)).toBe(true);
    const db = openDb(path.join(p.dir, 'data'), { readonly: true });
    expect(db.prepare('SELECT clip_url, alert FROM analyses ORDER BY start_ms').all()).toEqual([
      { clip_url: a!.url, alert: 1 }, { clip_url: b!.url, alert: 0 }, { clip_url: uploaded[1]!.url, alert: 0 }, // the pattern is newest
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM detections WHERE label = 'person'").get()).toEqual({ n: 2 });
    db.close();
  }, 120_000);

  it('a re-run gives the same records and neither duplicates labels nor re-alerts', async () => {
    const r = await runCctv(['analyze'], { cwd: p.dir, input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.records().filter((x) => x.kind === 'analyzed')).toEqual(results);
    await settle();
    expect(receiver.requests).toHaveLength(1);
    expect(events()).toHaveLength(1);
    const db = openDb(path.join(p.dir, 'data'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM detections').get()).toEqual({ n: results.flatMap((x) => x.labels as unknown[]).length });
    expect(db.prepare('SELECT count(*) AS n FROM alerts_sent').get()).toEqual({ n: 2 });
    db.close();
  }, 120_000);
});

describe('cctv analyze FILE', () => {
  it('a failing webhook is retried in the background and never blocks the record or the other sink', async () => {
    const failing = await startReceiver(503);
    const p = tempProject({
      dataDir: './data',
      cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } },
      alerts: { maxAttempts: 3, webhook: { url: failing.url }, mqtt: { url: broker.url } },
    });
    const before = events().length;
    const run = spawnCctv(['analyze', vtA], { cwd: p.dir, input: '' });
    let recordAt = 0;
    run.proc.stdout!.on('data', () => (recordAt ||= Date.now()));
    const code = await run.exited;
    await failing.close();
    expect(code, run.stderr()).toBe(0);
    expect(run.records()).toEqual([expect.objectContaining({ kind: 'analyzed', eventId: null, url: `file://${vtA}`, alert: true })]);
    expect(failing.requests).toHaveLength(3);
    expect(recordAt).toBeLessThan(failing.requests[1]!.at); // written before the retries were done
    expect(failing.requests[2]!.at - failing.requests[0]!.at).toBeGreaterThanOrEqual(3000 - 50); // 1 s + 2 s backoff
    expect(run.stderr()).toContain('alert failed; giving up');
    await settle();
    expect(events().length).toBe(before + 1);
  }, 120_000);

  it('rejects a missing file and plain clips without a camera (exit 2)', async () => {
    const p = tempProject({ dataDir: './data', cameras: { a: { url: 'rtsp://127.0.0.1:1/a' }, b: { url: 'rtsp://127.0.0.1:1/b' } } });
    const missing = await runCctv(['analyze', path.join(dir, 'nope.mp4')], { cwd: p.dir });
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('nope.mp4: no such file')]);
    const noCamera = await runCctv(['analyze', pattern], { cwd: p.dir });
    expect([noCamera.code, noCamera.stderr]).toEqual([2, expect.stringContaining('name its camera with --camera')]);
  }, 60_000);
});

describe('S3 storage and the rekognition detector', () => {
  it('reads the clip through a presigned URL, asks Rekognition, tags the object and rewrites the manifest', async () => {
    const [s3, rek] = await Promise.all([startS3Server(), startRekognitionServer()]);
    try {
      rek.fallback = { labels: [{ Name: 'Person', Confidence: 93, Instances: [{ Confidence: 93, BoundingBox: { Left: 0.4, Top: 0.3, Width: 0.1, Height: 0.3 } }] }] };
      const p = tempProject({
        dataDir: './data',
        cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } },
        storage: { url: `s3://${s3.bucket}/nvr`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, checksums: 'when_required' },
        detect: { detector: 'rekognition', endpoint: rek.endpoint, region: s3.region },
      });
      const up = await runCctv(['upload', '--camera', 'front', vtA], { cwd: p.dir, env: s3.env });
      expect(up.code, up.stderr).toBe(0);
      const r = await runCctv(['analyze'], { cwd: p.dir, env: s3.env, input: up.stdout });
      expect(r.code, r.stderr).toBe(0);
      const analyzed = r.records().find((x) => x.kind === 'analyzed')!;
      expect(analyzed).toMatchObject({ detector: 'rekognition', frames: 1, alert: true, labels: [{ name: 'person', confidence: 0.93, box: { x: 0.4, y: 0.3, width: 0.1, height: 0.3 } }] });
      expect(rek.requests).toHaveLength(1);
      const client = new S3Client({ region: s3.region, endpoint: s3.endpoint, forcePathStyle: true });
      const key = (analyzed.url as string).slice(`s3://${s3.bucket}/`.length);
      const tags = await client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
      expect(Object.fromEntries(tags.TagSet!.map((t) => [t.Key, t.Value]))).toEqual({ class: 'clip', labels: 'person' });
      const manifest = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key.replace(/mp4$/, 'json') }));
      expect(JSON.parse(await manifest.Body!.transformToString())).toMatchObject({ detector: 'rekognition', labels: analyzed.labels });
      client.destroy();
    } finally {
      await Promise.all([s3.stop(), rek.close()]);
    }
  }, 120_000);
});
