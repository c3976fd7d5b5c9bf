import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzeHandler } from '../../src/lambda/analyze.js';
import { faststartFromHead } from '../../src/lambda/policy.js';
import { createSnsSink } from '../../src/lambda/sns.js';
import { createTranscodeHandler } from '../../src/lambda/transcode.js';
import { allows, IAM_GRANTS, S3_COMMAND_ACTIONS } from '../../src/lambda/permissions.js';
import { composeAlert } from '../../src/lib/alerts/message.js';
import { readManifest, writeManifest } from '../../src/lib/analyze/results.js';
import { openDb } from '../../src/lib/catalog/db.js';
import { configSchema } from '../../src/lib/config/schema.js';
import type { EventRecord } from '../../src/lib/pipeline/records.js';
import { openStorage, type Storage } from '../../src/lib/storage/index.js';
import { Uploader } from '../../src/lib/upload/uploader.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';
import { startRekognitionServer, type RekognitionServer } from '../helpers/rekognition-server.js';
import { fixS3rverClient, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { makeSegment } from '../upload/fixtures.js';
import { s3Event, startSnsServer, type SnsServer } from './fixtures.js';

/**
 * Both hooks invoked as Lambda invokes them (the exact S3 event JSON, keys URL-encoded with `+` for the space in
 * the prefix) against the S3-protocol test server, the Rekognition-protocol endpoint, a webhook receiver and an
 * SNS-protocol endpoint. Clips, posters and manifests are made by the real uploader (`cctv upload`'s library).
 */
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const PREFIX = 'site a';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:cctv-alerts';
const PERSON = { Name: 'Person', Confidence: 97.5, Instances: [{ BoundingBox: { Width: 0.2, Height: 0.5, Left: 0.4, Top: 0.3 }, Confidence: 97.5 }] };

let s3: S3TestServer;
let rek: RekognitionServer;
let hook: Receiver;
let sns: SnsServer;
let dir: string;
let storage: Storage;
let client: S3Client;
let upload: (ev: EventRecord) => Promise<string>;
/** Each hook's own storage (its own SDK client), recording every S3 call and presigned URL it makes. */
const hookStorage: Record<'analyze' | 'transcode', Storage> = {} as never;
const performed: { hook: string; action: string; key: string }[] = [];

beforeAll(async () => {
  [s3, rek, hook, sns] = await Promise.all([startS3Server(), startRekognitionServer(), startReceiver(), startSnsServer()]);
  dir = mkdtempSync(path.join(tmpdir(), 'cctv-lambda-'));
  const config = configSchema.parse({
    dataDir: dir,
    cameras: { front: { url: 'rtsp://127.0.0.1/cam' } },
    events: { preRollSeconds: 2, postRollSeconds: 2 },
    storage: { url: `s3://${s3.bucket}/${PREFIX}`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true },
  });
  storage = openStorage(config.storage.url!, { ...config.storage, configureClient: fixS3rverClient });
  client = new S3Client({ region: s3.region, endpoint: s3.endpoint, forcePathStyle: true });
  for (const hook of ['analyze', 'transcode'] as const) {
    const own = openStorage(config.storage.url!, {
      ...config.storage,
      configureClient: (c) => {
        fixS3rverClient(c);
        c.middlewareStack.add((next, context) => async (args) => {
          const key = (args.input as { Key?: string }).Key;
          performed.push({ hook, action: S3_COMMAND_ACTIONS[context.commandName!] ?? context.commandName!, key: key?.replace(`${PREFIX}/`, '') ?? '(bucket)' });
          return next(args);
        }, { step: 'initialize', name: 'recordOperations' });
      },
    });
    hookStorage[hook] = Object.assign(Object.create(own) as Storage, {
      presign: async (key: string, seconds: number, opts?: { downloadAs?: string }) => {
        performed.push({ hook, action: 's3:GetObject', key });
        return own.presign(key, seconds, opts);
      },
    });
  }
  const db = openDb(dir);
  await makeSegment(db, dir, 'front', T0, 40);
  const uploader = new Uploader({ db, config, storage, emit: () => {}, coverageWaitMs: 0 });
  upload = async (ev) => {
    uploader.accept({ known: true, record: ev, line: 1 });
    await uploader.run(new AbortController().signal, Promise.resolve());
    return `clips/front/2024/05/01/${ev.id}`;
  };
}, 60_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), rek?.close(), hook?.close(), sns?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const event = (id: string, startS: number, labels: string[]): EventRecord => ({
  v: 1, kind: 'event', id, camera: 'front', state: 'end', at: iso(T0 + (startS + 3) * 1000), start: iso(T0 + startS * 1000),
  end: iso(T0 + (startS + 3) * 1000), labels, source: 'onvif', topic: 'tns1:RuleEngine/CellMotionDetector/Motion',
});
const full = (key: string) => `${PREFIX}/${key}`;
const head = (key: string) => client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: full(key) }));
const body = async (key: string) => {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
};

function analyzeHook(over: Record<string, string> = {}) {
  return createAnalyzeHandler({
    storage: hookStorage.analyze,
    env: {
      CCTV_STORAGE_URL: `s3://${s3.bucket}/${PREFIX}`, AWS_REGION: s3.region, CCTV_FFMPEG_PATH: '/usr/bin/ffmpeg', CCTV_FFPROBE_PATH: '/usr/bin/ffprobe',
      CCTV_LOG_LEVEL: 'warn', CCTV_DETECTOR: 'rekognition', CCTV_DETECT_LABELS: 'person,car,dog,cat', CCTV_MIN_CONFIDENCE: '0.6',
      CCTV_ALERT_LABELS: 'person', CCTV_MAX_FRAMES: '5', CCTV_SNS_TOPIC_ARN: TOPIC, CCTV_WEBHOOK_URL: hook.url,
      CCTV_REKOGNITION_ENDPOINT: rek.endpoint, CCTV_SNS_ENDPOINT: sns.endpoint,
      // No grace period unless a test is about it (no `cctv analyze` runs beside these hooks).
      CCTV_LOCAL_GRACE_SECONDS: '0', ...over,
    },
  });
}

describe('analyze hook', () => {
  it('runs Rekognition on the planner frames, writes labels and its marker into the manifest, alerts once; duplicates and its own write are no-ops', async () => {
    const base = await upload(event('walk', 10, ['motion']));
    const handler = analyzeHook();
    const before = { rek: rek.requests.length, hook: hook.requests.length, sns: sns.published.length };
    rek.enqueue({ labels: [PERSON] });
    const first = await handler(s3Event(s3.bucket, full(`${base}.json`)));
    expect(first.results).toEqual([expect.objectContaining({ key: `${base}.json`, outcome: 'detected', frames: 1, labels: ['person'], alert: true, delivered: ['webhook', 'sns'] })]);
    expect(rek.requests.length - before.rek).toBe(1); // early stop: the first frame settled it
    const req = rek.requests.at(-1)!;
    expect(req.body.Settings?.GeneralLabels?.LabelInclusionFilters).toEqual(expect.arrayContaining(['Person', 'Car', 'Dog', 'Cat']));
    expect(req.body.MinConfidence).toBe(60);

    const manifest = (await readManifest(storage, `${base}.json`))!;
    expect(manifest).toMatchObject({
      eventId: 'walk', detector: 'rekognition', frames: 1,
      labels: [{ name: 'person', confidence: 0.975, box: { x: 0.4, y: 0.3, width: 0.2, height: 0.5 } }],
      cloudAnalysis: { by: 'cctv-analyze-hook', outcome: 'rekognition', frames: 1, alert: true },
    });
    // The first planned frame is 1 s after the event start (2 s pre-roll): the label time says so.
    expect(Date.parse((manifest.labels as { at: string }[])[0]!.at) - Date.parse((manifest.window as { start: string }).start)).toBe(3000);

    expect(hook.requests.length - before.hook).toBe(1);
    expect(hook.requests.at(-1)!.body).toMatchObject({ kind: 'alert', camera: 'front', eventId: 'walk', detector: 'rekognition', labels: [{ name: 'person' }] });
    expect(String(hook.requests.at(-1)!.body.clip)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*walk\.mp4\?.*X-Amz-Signature=/);
    // Every link the alert carries works for whoever receives it (presigned by the hook: its role must read them).
    for (const [link, type] of [['clip', 'video/mp4'], ['poster', 'image/jpeg']] as const) {
      const url = String(hook.requests.at(-1)!.body[link]);
      expect(url, link).toMatch(/X-Amz-Signature=/);
      const res = await fetch(url);
      expect(res.status, `${link} ${url}`).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect(sns.published.length - before.sns).toBe(1);
    expect(sns.rejected).toEqual([]);
    expect(sns.published.at(-1)).toMatchObject({ topicArn: TOPIC, subject: expect.stringMatching(/^cctv: person \(98%\) on front at /) });

    // S3 delivers at least once: the same event again, and the event of the hook's own manifest write.
    const { ETag } = await head(`${base}.json`);
    const again = await handler(s3Event(s3.bucket, full(`${base}.json`)));
    const own = await analyzeHook()(s3Event(s3.bucket, full(`${base}.json`), { eTag: ETag! }));
    for (const r of [again, own]) expect(r.results).toEqual([{ key: `${base}.json`, outcome: 'skipped', reason: 'already-analyzed-by-hook' }]);
    expect(rek.requests.length - before.rek).toBe(1);
    expect(hook.requests.length - before.hook).toBe(1);
    expect(sns.published.length - before.sns).toBe(1);
    expect((await head(`${base}.json`)).ETag).toBe(ETag); // nothing written
  });

  it('SNS through the SDK: a Publish signed with the credential chain is accepted; one signed with another secret is refused', async () => {
    const alert = composeAlert({
      camera: 'front', eventId: 'e1', detector: 'rekognition', alertOn: ['person'], clip: 'https://x/clip.mp4', poster: null,
      labels: [{ name: 'person', confidence: 0.9, at: iso(T0) }],
    });
    const before = sns.published.length;
    await createSnsSink({ topicArn: TOPIC, endpoint: sns.endpoint }).send(alert);
    expect(sns.published.length - before).toBe(1);
    expect(sns.published.at(-1)).toMatchObject({ topicArn: TOPIC, message: expect.stringContaining('clip: https://x/clip.mp4') });
    const forged = new SNSClient({ region: 'us-east-1', endpoint: sns.endpoint, maxAttempts: 1, credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: 'wrong' } });
    await expect(createSnsSink({ topicArn: TOPIC, client: forged }).send(alert)).rejects.toThrow('sns: HTTP 403 SignatureDoesNotMatch');
    expect(sns.rejected.splice(0)).toEqual(['signature']);
    expect(sns.published.length - before).toBe(1);
  });

  it('nobody in the clip: every planned frame is examined, no alert, the marker still stops a repeat', async () => {
    const base = await upload(event('empty', 20, ['motion']));
    const handler = analyzeHook();
    const before = { rek: rek.requests.length, hook: hook.requests.length, sns: sns.published.length };
    const r = await handler(s3Event(s3.bucket, full(`${base}.json`)));
    expect(r.results[0]).toMatchObject({ outcome: 'detected', frames: 5, labels: [], alert: false });
    expect(rek.requests.length - before.rek).toBe(5);
    await handler(s3Event(s3.bucket, full(`${base}.json`)));
    expect(rek.requests.length - before.rek).toBe(5);
    expect(hook.requests.length - before.hook).toBe(0);
    expect(sns.published.length - before.sns).toBe(0);
    expect(await readManifest(storage, `${base}.json`)).toMatchObject({ labels: [], cloudAnalysis: { alert: false, frames: 5 } });
  });

  it("the camera's own AI said person: settled without Rekognition, alerted once", async () => {
    const base = await upload(event('cam-ai', 5, ['motion', 'person']));
    const handler = analyzeHook();
    const before = { rek: rek.requests.length, hook: hook.requests.length };
    const r = await handler(s3Event(s3.bucket, full(`${base}.json`)));
    expect(r.results[0]).toMatchObject({ outcome: 'settled', reason: 'camera-label', frames: 0, labels: ['person'], alert: true });
    await handler(s3Event(s3.bucket, full(`${base}.json`)));
    expect(rek.requests.length - before.rek).toBe(0);
    expect(hook.requests.length - before.hook).toBe(1);
    expect(hook.requests.at(-1)!.body).toMatchObject({ detector: 'camera', eventId: 'cam-ai' });
    expect(await readManifest(storage, `${base}.json`)).toMatchObject({ detector: 'camera', labels: [{ name: 'person', confidence: 1, at: iso(T0 + 5000) }] });
  });

  it("a site's clip (<site>/clips/…): alert links open the hosted app's media routes with ?site= (CCTV_ALERT_PUBLIC_URL), else presigned for CCTV_ALERT_PRESIGN_SECONDS", async () => {
    const base = await upload(event('sited', 30, ['motion', 'person']));
    const sited = `home/${base}`;
    for (const ext of ['json', 'jpg']) await storage.put(`${sited}.${ext}`, { body: await body(`${base}.${ext}`) }, { contentType: 'application/octet-stream', metadata: {} });
    const r = await analyzeHook({ CCTV_ALERT_PUBLIC_URL: 'https://cctv.example.com/' })(s3Event(s3.bucket, full(`${sited}.json`)));
    expect(r.results[0]).toMatchObject({ outcome: 'settled', alert: true });
    expect(hook.requests.at(-1)!.body).toMatchObject({
      eventId: 'sited',
      clip: `https://cctv.example.com/media/clip/${base.split('/').map(encodeURIComponent).join('/')}.mp4?site=home`,
      poster: `https://cctv.example.com/media/poster/${base.split('/').map(encodeURIComponent).join('/')}.mp4?site=home`,
    });
    const again = `home/${base.replace('sited', 'sited2')}`;
    await storage.put(`${again}.json`, { body: await body(`${base}.json`) }, { contentType: 'application/json', metadata: {} });
    await storage.remove(`${sited}.json`);
    await analyzeHook({ CCTV_ALERT_PRESIGN_SECONDS: '600' })(s3Event(s3.bucket, full(`${again}.json`)));
    expect(String(hook.requests.at(-1)!.body.clip)).toMatch(/\/home\/clips\/.*sited2\.mp4\?.*X-Amz-Expires=600&/);
  });

  it('analysed on premise by the local detector (found nothing): no Rekognition, no write, no alert', async () => {
    const base = await upload(event('local', 25, ['motion']));
    const manifest = (await readManifest(storage, `${base}.json`))!;
    await writeManifest(storage, `${base}.json`, manifest, { labels: [], detector: 'local', frames: 5, analyzedAt: iso(Date.now()) }, 'front');
    const { ETag } = await head(`${base}.json`);
    const before = { rek: rek.requests.length, hook: hook.requests.length };
    const r = await analyzeHook()(s3Event(s3.bucket, full(`${base}.json`)));
    expect(r.results).toEqual([{ key: `${base}.json`, outcome: 'skipped', reason: 'analyzed-on-premise' }]);
    expect(rek.requests.length - before.rek).toBe(0);
    expect(hook.requests.length - before.hook).toBe(0);
    expect((await head(`${base}.json`)).ETag).toBe(ETag);
  });

  it('the default pipeline: the on-premise analysis lands during the grace period, so Rekognition is never called', async () => {
    const base = await upload(event('race-local', 14, ['motion']));
    const uploaded = (await readManifest(storage, `${base}.json`))!;
    const before = { rek: rek.requests.length, hook: hook.requests.length, sns: sns.published.length };
    // S3 fires the hook on the uploader's manifest write; `cctv analyze` (local detector) writes its labels 0.5 s later.
    const running = analyzeHook({ CCTV_LOCAL_GRACE_SECONDS: '10' })(s3Event(s3.bucket, full(`${base}.json`)));
    await new Promise((r) => setTimeout(r, 500));
    await writeManifest(storage, `${base}.json`, uploaded, {
      labels: [{ name: 'person', confidence: 0.91, at: iso(T0 + 15_000) }], detector: 'local', frames: 1, analyzedAt: iso(Date.now()),
    }, 'front');
    const { ETag } = await head(`${base}.json`);
    const r = await running;
    expect(r.results).toEqual([{ key: `${base}.json`, outcome: 'skipped', reason: 'analyzed-on-premise', waitedSeconds: expect.any(Number) }]);
    expect(r.results[0]!.waitedSeconds).toBeGreaterThanOrEqual(0.4);
    // Back soon after the labels landed (~0.5 s), not at the end of the 10 s grace (room for a loaded machine).
    expect(r.results[0]!.waitedSeconds).toBeLessThan(5);
    expect(rek.requests.length - before.rek).toBe(0);
    expect(hook.requests.length - before.hook).toBe(0); // cctv analyze alerted through its own sinks
    expect(sns.published.length - before.sns).toBe(0);
    expect((await head(`${base}.json`)).ETag).toBe(ETag); // the hook wrote nothing
    expect(await readManifest(storage, `${base}.json`)).not.toHaveProperty('cloudAnalysis');
  });

  it('no on-premise analysis within the grace period: Rekognition after the wait, once', async () => {
    const base = await upload(event('race-none', 33, ['motion']));
    const before = { rek: rek.requests.length, hook: hook.requests.length };
    rek.enqueue({ labels: [PERSON] });
    const t0 = Date.now();
    const r = await analyzeHook({ CCTV_LOCAL_GRACE_SECONDS: '1' })(s3Event(s3.bucket, full(`${base}.json`)));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(r.results[0]).toMatchObject({ outcome: 'detected', reason: 'unsettled', frames: 1, labels: ['person'], alert: true });
    expect(r.results[0]!.waitedSeconds).toBeGreaterThan(0); // the grace counts from the event's time, which came first
    expect(rek.requests.length - before.rek).toBe(1);
    expect(hook.requests.length - before.hook).toBe(1);
    expect(await readManifest(storage, `${base}.json`)).toMatchObject({ detector: 'rekognition', cloudAnalysis: { outcome: 'rekognition', frames: 1 } });
  });

  it('ignores what is not a manifest under its storage prefix; refuses a bad environment by variable name', async () => {
    const r = await analyzeHook()({
      Records: [...s3Event(s3.bucket, full('clips/front/2024/05/01/walk.mp4')).Records!, ...s3Event(s3.bucket, 'elsewhere/clips/x.json').Records!],
    });
    expect(r.results.map((x) => x.outcome)).toEqual(['ignored', 'ignored']);
    expect(await analyzeHook()({ Service: 'Amazon S3', Event: 's3:TestEvent' } as never)).toEqual({ results: [] });
    await expect(analyzeHook({ CCTV_MAX_FRAMES: '0' })(s3Event(s3.bucket, 'x.json'))).rejects.toThrow(/CCTV_MAX_FRAMES \(detect\.maxFramesPerEvent\): .*>=1/);
  });
});

describe('transcode hook', () => {
  const env = () => ({ CCTV_STORAGE_URL: `s3://${s3.bucket}/${PREFIX}`, AWS_REGION: s3.region, CCTV_CLIP_TAG: 'class=clip', CCTV_LOG_LEVEL: 'warn' });
  const tags = async (key: string) => (await client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: full(key) }))).TagSet;
  const probe = (file: string) =>
    JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'json', file], { encoding: 'utf8' })) as { streams: { codec_name: string }[] };

  it('leaves a clip cctv cut (faststart H.264) alone: nothing written', async () => {
    const base = await upload(event('plain', 30, ['motion']));
    const { ETag, LastModified } = await head(`${base}.mp4`);
    const r = await createTranscodeHandler({ storage: hookStorage.transcode, env: env() })(s3Event(s3.bucket, full(`${base}.mp4`)));
    expect(r.results).toEqual([{ key: `${base}.mp4`, outcome: 'unchanged', reason: 'browser-ready' }]);
    expect(await head(`${base}.mp4`)).toMatchObject({ ETag, LastModified });
  });

  it('an H.265 clip dropped in by something else: H.264 faststart in place, re-tagged, poster; its own event and duplicates are no-ops', async () => {
    const src = path.join(dir, 'hevc.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '4',
      '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', src]); // moov at the end
    expect(faststartFromHead(readFileSync(src).subarray(0, 65536))).toBe('no');
    const key = 'clips/front/2024/05/01/hevc.mp4';
    await storage.put(key, { path: src }, { contentType: 'video/mp4' });
    const handler = createTranscodeHandler({ storage: hookStorage.transcode, env: env() });
    const r = await handler(s3Event(s3.bucket, full(key), { size: readFileSync(src).length }));
    expect(r.results).toEqual([{ key, outcome: 'h264', reason: 'video-codec', poster: 'clips/front/2024/05/01/hevc.jpg' }]);
    const out = path.join(dir, 'out.mp4');
    writeFileSync(out, await body(key));
    expect(probe(out).streams.map((s) => s.codec_name)).toEqual(['h264']);
    expect(faststartFromHead(readFileSync(out).subarray(0, 65536))).toBe('yes');
    expect((await head(key)).Metadata).toMatchObject({ 'cctv-transcoded': 'h264' });
    expect(await tags(key)).toEqual([{ Key: 'class', Value: 'clip' }]);
    const poster = await body('clips/front/2024/05/01/hevc.jpg');
    expect(poster.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const { ETag } = await head(key);
    for (let i = 0; i < 2; i++) {
      const again = await handler(s3Event(s3.bucket, full(key), { eTag: ETag! }));
      expect(again.results).toEqual([{ key, outcome: 'skipped', reason: 'already-rewritten' }]);
    }
    expect((await head(key)).ETag).toBe(ETag);
  });

  it('a cctv clip with its moov at the end: remuxed (video copied), no poster of its own', async () => {
    const src = path.join(dir, 'late-moov.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '3',
      '-c:v', 'libx264', '-preset', 'ultrafast', src]);
    const key = 'clips/front/2024/05/01/late.mp4';
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(readFileSync(src)).digest('hex');
    await storage.put(key, { path: src }, { contentType: 'video/mp4', metadata: { camera: 'front', start: iso(T0), end: iso(T0 + 3000) }, sha256 });
    const r = await createTranscodeHandler({ storage: hookStorage.transcode, env: env() })(s3Event(s3.bucket, full(key)));
    expect(r.results).toEqual([{ key, outcome: 'remux', reason: 'not-faststart', poster: null }]);
    const out = path.join(dir, 'late-out.mp4');
    writeFileSync(out, await body(key));
    expect(faststartFromHead(readFileSync(out).subarray(0, 65536))).toBe('yes');
    expect((await head(key)).Metadata).toMatchObject({ 'cctv-transcoded': 'remux', camera: 'front', 'source-sha256': sha256 });
  });
});

describe('the hooks\' permissions (src/lambda/permissions.ts, which infra/terraform/iam.tf is checked against)', () => {
  it('every S3 call and presigned link the hooks made above is one IAM_GRANTS gives them; they used Rekognition and SNS as granted', () => {
    for (const hook of ['analyze', 'transcode'] as const) {
      const ops = performed.filter((o) => o.hook === hook);
      expect(ops.length, hook).toBeGreaterThan(3);
      const refused = ops.filter((o) => !allows(IAM_GRANTS[hook], o.action, o.key));
      expect(refused, `${hook} performed operations its grants do not allow`).toEqual([]);
    }
    // The poster link of an alert is presigned by the analyze hook: it reads posters.
    expect(performed.some((o) => o.hook === 'analyze' && o.key.endsWith('.jpg'))).toBe(true);
    expect(rek.requests.length).toBeGreaterThan(0);
    expect(sns.published.length).toBeGreaterThan(0);
    expect(IAM_GRANTS.analyze.map((g) => g.action)).toEqual(expect.arrayContaining(['rekognition:DetectLabels', 'sns:Publish']));
  });
});
