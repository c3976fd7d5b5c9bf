import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { configSchema, type Config } from '../../src/lib/config/schema.js';
import type { EventRecord, UploadedRecord } from '../../src/lib/pipeline/records.js';
import { openStorage } from '../../src/lib/storage/index.js';
import { outboxCounts } from '../../src/lib/catalog/outbox.js';
import { Uploader } from '../../src/lib/upload/uploader.js';
import { fixS3rverClient, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { ffmpeg, makeMp4, makeSegment, probe, rcloneEnv, rcloneGet, rcloneListing, sha256Of } from './fixtures.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const endEvent = (id: string, startMs: number, endMs: number, camera = 'front'): EventRecord => ({
  v: 1, kind: 'event', id, camera, state: 'end', at: iso(endMs), start: iso(startMs), end: iso(endMs), labels: ['motion'], source: 'manual',
});

let server: S3TestServer;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  server = await startS3Server();
  env = rcloneEnv(server);
  dir = mkdtempSync(path.join(tmpdir(), 'cctv-upload-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh data folder + catalog + uploader writing under s3://bucket/<prefix>. */
function setup(prefix: string, over: Record<string, unknown> = {}) {
  const dataDir = path.join(dir, prefix);
  const config: Config = configSchema.parse({
    dataDir,
    cameras: { front: { url: 'rtsp://127.0.0.1/cam' } },
    events: { preRollSeconds: 2, postRollSeconds: 3 },
    storage: { url: `s3://${server.bucket}/${prefix}`, region: server.region, endpoint: server.endpoint, forcePathStyle: true },
    ...over,
  });
  const db: Db = openDb(dataDir);
  const storage = openStorage(config.storage.url!, { ...config.storage, configureClient: fixS3rverClient });
  const out: UploadedRecord[] = [];
  const uploader = new Uploader({ db, config, storage, emit: (r) => void out.push(r), coverageWaitMs: 0 });
  const drain = () => uploader.run(new AbortController().signal, Promise.resolve());
  const accept = (...records: object[]) => records.forEach((record, i) => uploader.accept({ known: true, record: record as EventRecord, line: i + 1 }));
  return { dataDir, config, db, uploader, out, drain, accept, remote: `:s3:${server.bucket}/${prefix}` };
}

describe('event clips cut from the recordings, stored in S3', () => {
  it('an event inside one segment: the window only, MP4 with AAC, poster, manifest, tags, sha256 checked by rclone', async () => {
    const t = setup('one');
    await makeSegment(t.db, t.dataDir, 'front', T0, 30);
    t.accept(endEvent('e1', T0 + 10_000, T0 + 14_000));
    await t.drain();
    expect(t.out).toHaveLength(1);
    const r = t.out[0]!;
    const key = 'clips/front/2024/05/01/e1';
    expect(r).toMatchObject({ kind: 'uploaded', eventId: 'e1', camera: 'front', start: iso(T0 + 8000), end: iso(T0 + 17_000), partial: false,
      url: `s3://${server.bucket}/one/${key}.mp4`, poster: `s3://${server.bucket}/one/${key}.jpg` });
    const listing = await rcloneListing(env, t.remote);
    expect([...listing.keys()].sort()).toEqual([`${key}.jpg`, `${key}.json`, `${key}.mp4`]);
    expect(listing.get(`${key}.mp4`)).toEqual({ bytes: r.bytes, sha256: r.sha256 });
    const local = path.join(t.dataDir, 'got.mp4');
    await rcloneGet(env, `${t.remote}/${key}.mp4`, local);
    const media = await probe(local);
    expect(media).toMatchObject({ video: 'h264', audio: 'aac' });
    expect(media.format).toContain('mp4');
    expect(media.duration).toBeGreaterThanOrEqual(9 - 0.1); // 9 s window …
    expect(media.duration).toBeLessThanOrEqual(9 + 2.1); // … from the keyframe before it (GOP 2 s)
    await rcloneGet(env, `${t.remote}/${key}.json`, path.join(t.dataDir, 'm.json'));
    const manifest = JSON.parse((await import('node:fs')).readFileSync(path.join(t.dataDir, 'm.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ eventId: 'e1', sha256: r.sha256, labels: ['motion'], partial: false, gaps: [], window: { start: r.start, end: r.end } });
    expect((manifest.event as EventRecord).id).toBe('e1');
    const client = new S3Client({ region: server.region, endpoint: server.endpoint, forcePathStyle: true });
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: server.bucket, Key: `one/${key}.mp4` }));
    expect(tags.TagSet).toEqual([{ Key: 'class', Value: 'clip' }]);
    expect(t.db.prepare('SELECT key, sha256, partial FROM uploads').all()).toEqual([{ key: `${key}.mp4`, sha256: r.sha256, partial: 0 }]);
    expect(outboxCounts(t.db)).toEqual({ pending: 0, failed: 0, done: 1 });
  });

  it('an event across two segments, and one the camera was down for part of (partial, gaps in the manifest)', async () => {
    const t = setup('two');
    await makeSegment(t.db, t.dataDir, 'front', T0, 20);
    await makeSegment(t.db, t.dataDir, 'front', T0 + 20_000, 20);
    await makeSegment(t.db, t.dataDir, 'front', T0 + 50_000, 20); // down from 40 s to 50 s
    t.accept(endEvent('across', T0 + 16_000, T0 + 22_000), endEvent('down', T0 + 37_000, T0 + 52_000));
    await t.drain();
    const byId = new Map(t.out.map((r) => [r.eventId, r]));
    expect(byId.get('across')!.partial).toBe(false);
    expect(byId.get('down')!.partial).toBe(true);
    for (const [id, want] of [['across', 11], ['down', 20 - 10]] as const) {
      const local = path.join(t.dataDir, `${id}.mp4`);
      await rcloneGet(env, `${t.remote}/clips/front/2024/05/01/${id}.mp4`, local);
      const d = (await probe(local)).duration;
      expect(d, id).toBeGreaterThanOrEqual(want - 0.2);
      expect(d, id).toBeLessThanOrEqual(want + 2.2);
    }
    await rcloneGet(env, `${t.remote}/clips/front/2024/05/01/down.json`, path.join(t.dataDir, 'down.json'));
    const manifest = JSON.parse((await import('node:fs')).readFileSync(path.join(t.dataDir, 'down.json'), 'utf8')) as { gaps: unknown };
    expect(manifest.gaps).toEqual([{ start: iso(T0 + 40_000), end: iso(T0 + 50_000) }]);
  });

  it('no recordings at all: nothing stored, the item is done with a note', async () => {
    const t = setup('none');
    t.accept(endEvent('nothing', T0, T0 + 1000));
    await t.drain();
    expect(t.out).toEqual([]);
    expect(t.db.prepare('SELECT state, last_error AS note FROM outbox').all()).toEqual([{ state: 'done', note: 'no recordings cover the window' }]);
  });

  it('100 events queued: 100 clips, each stored once', async () => {
    const t = setup('many', { upload: { concurrency: 4 } });
    for (let i = 0; i < 4; i++) await makeSegment(t.db, t.dataDir, 'front', T0 + i * 60_000, 60);
    const events = Array.from({ length: 100 }, (_, i) => endEvent(`m${String(i).padStart(3, '0')}`, T0 + 5000 + i * 2000, T0 + 7000 + i * 2000));
    t.accept(...events, ...events); // offered twice: still one item each
    await t.drain();
    expect(t.out).toHaveLength(100);
    expect(new Set(t.out.map((r) => r.url)).size).toBe(100);
    expect(t.out.every((r) => !r.partial)).toBe(true);
    const listing = await rcloneListing(env, t.remote);
    expect(listing.size).toBe(300);
    for (const r of t.out) expect(listing.get(r.url.slice(`s3://${server.bucket}/many/`.length))!.sha256).toBe(r.sha256);
  }, 240_000); // 100 cuts + 300 objects on 2 cores shared with the rest of the suite
});

describe('clip files, segment mode, continuous backup', () => {
  it('a browser-playable MP4 is stored byte for byte; an mkv with G.711 is remuxed to MP4 + AAC', async () => {
    const t = setup('files');
    const mp4 = path.join(dir, 'cam.mp4');
    const mkv = path.join(dir, 'cam.mkv');
    await makeMp4(mp4, 4);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=r=8000', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_mulaw', mkv]);
    const at = iso(T0 + 60_000);
    t.accept({ v: 1, kind: 'clip', camera: 'front', path: mp4, at }, { v: 1, kind: 'clip', camera: 'front', path: mkv, at });
    await t.drain();
    expect(t.out).toHaveLength(2);
    const [asIs, remuxed] = [t.out.find((r) => r.bytes === statSync(mp4).size)!, t.out.find((r) => r.bytes !== statSync(mp4).size)!];
    expect(asIs.sha256).toBe(sha256Of(mp4));
    expect(asIs).toMatchObject({ eventId: null, end: at, partial: false });
    expect(asIs.url).toMatch(new RegExp(`^s3://${server.bucket}/files/clips/front/2024/05/01/front-20240501T120\\d{3}Z-[0-9a-f]{6}\\.mp4$`));
    const local = path.join(dir, 'remuxed.mp4');
    await rcloneGet(env, `${t.remote}/${remuxed.url.slice(`s3://${server.bucket}/files/`.length)}`, local);
    expect(await probe(local)).toMatchObject({ video: 'h264', audio: 'aac' });
    expect(sha256Of(local)).toBe(remuxed.sha256);
  });

  it('mode: segment stores whole segments, once even when two events share one; continuous backs up segment records', async () => {
    const t = setup('segmode', { upload: { mode: 'segment', continuous: true } });
    const a = await makeSegment(t.db, t.dataDir, 'front', T0, 20);
    const b = await makeSegment(t.db, t.dataDir, 'front', T0 + 20_000, 20);
    t.accept(endEvent('s1', T0 + 5000, T0 + 6000), endEvent('s2', T0 + 8000, T0 + 9000));
    t.accept({ v: 1, kind: 'segment', camera: 'front', path: b, start: iso(T0 + 20_000), end: iso(T0 + 40_000), durationSeconds: 20, bytes: statSync(path.join(t.dataDir, b)).size });
    await t.drain();
    expect(t.out.map((r) => [r.eventId, r.url]).sort()).toEqual([
      [null, `s3://${server.bucket}/segmode/${b}`],
      ['s1', `s3://${server.bucket}/segmode/${a}`],
      ['s2', `s3://${server.bucket}/segmode/${a}`],
    ]);
    const listing = await rcloneListing(env, t.remote);
    expect([...listing.keys()].sort()).toEqual([a, b]);
    expect(listing.get(a)!.sha256).toBe(sha256Of(path.join(t.dataDir, a)));
  });

  it('records of unknown cameras are consumed and skipped; other kinds pass through', () => {
    const t = setup('unknown');
    const accepted = (r: object) => t.uploader.accept({ known: true, record: r as EventRecord, line: 1 });
    expect(accepted(endEvent('x', T0, T0 + 1000, 'nope'))).toBe(true);
    expect(accepted({ v: 1, kind: 'segment', camera: 'front', path: 'p', start: iso(T0), end: iso(T0), durationSeconds: 0, bytes: 0 })).toBe(false);
    expect(t.uploader.accept({ known: false, record: { kind: 'other' }, line: 2 })).toBe(false);
    expect(outboxCounts(t.db)).toEqual({ pending: 0, failed: 0, done: 0 });
    writeFileSync(path.join(t.dataDir, 'x'), ''); // the data folder exists and is usable
  });
});
