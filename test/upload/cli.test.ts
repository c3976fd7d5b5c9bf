import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { runCctv, spawnCctv, tempProject } from '../helpers/cli.js';
import { waitFor } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { makeMp4, makeSegment, probe, rcloneEnv, rcloneGet, rcloneListing, sha256Of } from './fixtures.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const endEvent = (id: string, startMs: number, endMs: number, camera = 'front') =>
  JSON.stringify({ v: 1, kind: 'event', id, camera, state: 'end', at: iso(endMs), start: iso(startMs), end: iso(endMs), labels: ['person'], source: 'onvif', topic: 'x' });

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(() => server?.stop());

/** A project whose storage is the test S3 server under `prefix` (through `endpoint`, default the server itself). */
function s3Project(prefix: string, over: Record<string, unknown> = {}, endpoint = server.endpoint) {
  const config = {
    dataDir: './data',
    cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } },
    events: { preRollSeconds: 2, postRollSeconds: 2 },
    storage: { url: `s3://${server.bucket}/${prefix}`, region: server.region, endpoint, forcePathStyle: true, checksums: 'when_required' },
    ...over,
  };
  const p = tempProject(config);
  return { ...p, dataDir: path.join(p.dir, 'data'), remote: `:s3:${server.bucket}/${prefix}`, rewrite: (c: object) => writeFileSync(p.configPath, stringify({ ...config, ...c })) };
}

describe('cctv upload (the real binary)', () => {
  it('reports garbage lines and unknown cameras, passes other records through, stores the valid event', async () => {
    const p = tempProject({ dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } }, storage: { url: 'file://./archive' } });
    const dataDir = path.join(p.dir, 'data');
    const db = openDb(dataDir);
    await makeSegment(db, dataDir, 'front', T0, 20);
    db.close();
    const foreign = JSON.stringify({ v: 1, kind: 'weather', temp: 3 });
    const segment = JSON.stringify({ v: 1, kind: 'segment', camera: 'front', path: 'p.mkv', start: iso(T0), end: iso(T0), durationSeconds: 0, bytes: 0 });
    const input = ['not json', '{"v":1,"kind":"event","id":"x"}', foreign, endEvent('ok', T0 + 5000, T0 + 8000), endEvent('who', T0, T0 + 1000, 'nope'), segment, '[1]', ''].join('\n');
    const r = await runCctv(['upload'], { cwd: p.dir, input });
    expect(r.code, r.stderr).toBe(0);
    const out = r.records();
    expect(out.filter((x) => x.kind !== 'uploaded')).toEqual([JSON.parse(foreign), JSON.parse(segment)]);
    const up = out.filter((x) => x.kind === 'uploaded');
    expect(up).toHaveLength(1);
    expect(up[0]).toMatchObject({ eventId: 'ok', partial: false });
    const file = new URL(up[0]!.url as string).pathname;
    expect(file).toBe(path.join(p.dir, 'archive/clips/front/2024/05/01/ok.mp4'));
    expect(sha256Of(file)).toBe(up[0]!.sha256);
    expect(statSync(file.replace(/mp4$/, 'jpg')).size).toBeGreaterThan(1000);
    for (const line of [1, 2, 7]) expect(r.stderr).toContain(`stdin line ${line}:`);
    expect(r.stderr).toContain('line 5: event record for unknown camera \\"nope\\"');
  });

  it('kill -9 in the middle of an upload, then a cron run (no stdin) finishes it: nothing lost, nothing duplicated', async () => {
    const proxy = await throttlingProxy(new URL(server.endpoint), 1_000_000);
    const p = s3Project('killed', {}, proxy.endpoint);
    const clip = path.join(p.dir, 'big.mp4');
    await makeMp4(clip, 60); // ~6 MB: one PUT that takes seconds through the proxy
    const bytes = statSync(clip).size;
    const first = spawnCctv(['upload', clip], { cwd: p.dir, input: '' });
    await waitFor('the upload to be under way', () => proxy.forwarded() > 1_000_000, 30_000, 50);
    first.proc.kill('SIGKILL');
    await first.exited;
    proxy.close();
    expect(first.records()).toEqual([]);

    p.rewrite({ storage: { url: `s3://${server.bucket}/killed`, region: server.region, endpoint: server.endpoint, forcePathStyle: true, checksums: 'when_required' } });
    const second = await runCctv(['upload'], { cwd: p.dir });
    expect(second.code, second.stderr).toBe(0);
    const up = second.records();
    expect(up).toHaveLength(1);
    expect(up[0]).toMatchObject({ kind: 'uploaded', bytes, sha256: sha256Of(clip) });
    const listing = await rcloneListing(rcloneEnv(server), p.remote);
    const mp4s = [...listing.entries()].filter(([k]) => k.endsWith('.mp4'));
    expect(mp4s).toEqual([[expect.stringMatching(/^clips\/front\/\d{4}\/\d{2}\/\d{2}\/front-.*\.mp4$/), { bytes, sha256: sha256Of(clip) }]]);
    expect(listing.size).toBe(3);
    const third = await runCctv(['upload'], { cwd: p.dir }); // nothing left to do
    expect(third.records()).toEqual([]);
  });

  it('storage down for 30 s, then back: every event is stored once it returns', async () => {
    const p = s3Project('outage');
    const db = openDb(p.dataDir);
    await makeSegment(db, p.dataDir, 'front', T0, 30);
    db.close();
    await server.pause();
    const run = spawnCctv(['upload'], { cwd: p.dir });
    for (let i = 0; i < 3; i++) run.proc.stdin!.write(`${endEvent(`o${i}`, T0 + 5000 + i * 5000, T0 + 7000 + i * 5000)}\n`);
    await new Promise((r) => setTimeout(r, 30_000));
    expect(run.records()).toEqual([]);
    await server.resume();
    run.proc.stdin!.end();
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.records().map((r) => r.eventId).sort()).toEqual(['o0', 'o1', 'o2']);
    const listing = await rcloneListing(rcloneEnv(server), p.remote);
    expect(listing.size).toBe(9);
    for (const r of run.records()) expect(listing.get(`clips/front/2024/05/01/${r.eventId as string}.mp4`)!.sha256).toBe(r.sha256);
  }, 120_000);

  it('an event in the segment still being written (live RTSP camera, 900 s segments)', async () => {
    const camera = await TestCamera.start({ audio: 'pcma' });
    const p = s3Project('growing', { cameras: { front: { url: camera.url } }, record: { segmentSeconds: 900, format: 'mkv' } });
    mkdirSync(p.dataDir, { recursive: true });
    const recorder = spawnCctv(['record'], { cwd: p.dir });
    try {
      const db = openDb(p.dataDir, { readonly: false });
      const started = await waitFor('recording', () => db.prepare('SELECT start_ms AS s FROM segments WHERE closed = 0').get() as { s: number } | undefined, 30_000);
      db.close();
      await waitFor('8 s of recording', () => Date.now() > started.s + 8000, 20_000);
      const now = Date.now();
      const up = spawnCctv(['upload'], { cwd: p.dir, input: `${endEvent('live', now - 4000, now)}\n` });
      expect(await up.exited, up.stderr()).toBe(0);
      const latency = Date.now() - (now + 2000); // from the end of the window
      const [r] = up.records();
      expect(r).toMatchObject({ eventId: 'live', partial: false });
      console.info(`growing segment: uploaded ${latency} ms after the window's end`);
      // Behaviour, not speed (bench/ measures it): cut from the growing file, not after the 900 s segment closes.
      expect(latency).toBeLessThan(60_000);
      const local = path.join(p.dir, 'live.mp4');
      await rcloneGet(rcloneEnv(server), `${p.remote}/clips/front/${iso(now - 4000).slice(0, 10).replace(/-/g, '/')}/live.mp4`, local);
      const media = await probe(local);
      expect(media).toMatchObject({ video: 'h264', audio: 'aac' });
      expect(media.duration).toBeGreaterThanOrEqual(8 - 0.3);
      expect(media.duration).toBeLessThanOrEqual(8 + 2.3);
      expect(readFileSync(local).length).toBe(r!.bytes);
    } finally {
      recorder.proc.kill('SIGINT');
      await recorder.exited;
      await camera.stop();
    }
    // Its own waits add up to 30 + 20 s, and the upload gets 60 s: the test's time covers them with headroom.
  }, 240_000);
});

/** A TCP proxy to `target` that forwards client→server bytes at about `bytesPerSecond`. */
async function throttlingProxy(target: URL, bytesPerSecond: number) {
  let forwarded = 0;
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      client.pause();
      upstream.write(chunk);
      forwarded += chunk.length;
      setTimeout(() => client.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
    client.on('end', () => upstream.end());
    for (const s of [client, upstream]) s.on('error', () => {}).on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    forwarded: () => forwarded,
    close: () => {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}
