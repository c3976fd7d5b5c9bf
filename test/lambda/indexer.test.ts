import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand as RawScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndexerHandler, reindexPrefixes } from '../../src/lambda/indexer.js';
import { readManifest, writeManifest } from '../../src/lib/analyze/results.js';
import { openDb } from '../../src/lib/catalog/db.js';
import { createTable, dynamoEventCatalog, normaliseSequencer } from '../../src/lib/catalog/dynamodb/index.js';
import { entryOfManifest } from '../../src/lib/cloud-index/entry.js';
import { configSchema } from '../../src/lib/config/schema.js';
import type { EventRecord } from '../../src/lib/pipeline/records.js';
import { parseClipKey } from '../../src/lib/sites.js';
import { openStorage, type Storage } from '../../src/lib/storage/index.js';
import { Uploader } from '../../src/lib/upload/uploader.js';
import { startDynamo, type DynamoTestServer } from '../helpers/dynamodb.js';
import { fixS3rverClient, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { makeSegment } from '../upload/fixtures.js';
import { eventBridgeEvent, s3Event } from './fixtures.js';

/**
 * The index hook as Lambda invokes it (S3's notification JSON and EventBridge's, keys URL-encoded) against the
 * S3-protocol test server and dynalite. The manifests are the real uploader's (`cctv upload`'s library, site `home`
 * storing into s3://bucket/home) and the real analysis rewrite (writeManifest); one more is a 0.1 key at the bucket root.
 */
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

let s3: S3TestServer;
let dynamo: DynamoTestServer;
let dir: string;
let site: Storage; // what the on-premise server of site `home` writes through
let root: Storage; // the bucket root, as the hook sees it
const bases: Record<string, string> = {};

const event = (id: string, startS: number, labels: string[]): EventRecord => ({
  v: 1, kind: 'event', id, camera: 'front', state: 'end', at: iso(T0 + (startS + 3) * 1000), start: iso(T0 + startS * 1000),
  end: iso(T0 + (startS + 3) * 1000), labels, source: 'onvif', topic: 'tns1:RuleEngine/CellMotionDetector/Motion',
});

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3Server(), startDynamo()]);
  dir = mkdtempSync(path.join(tmpdir(), 'cctv-indexer-'));
  const config = configSchema.parse({
    dataDir: dir,
    cameras: { front: { url: 'rtsp://127.0.0.1/cam' } },
    events: { preRollSeconds: 1, postRollSeconds: 1 },
    storage: { url: `s3://${s3.bucket}/home`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true },
  });
  const opts = { ...config.storage, configureClient: fixS3rverClient };
  site = openStorage(config.storage.url!, opts);
  root = openStorage(`s3://${s3.bucket}`, opts);
  const db = openDb(dir);
  await makeSegment(db, dir, 'front', T0, 20);
  const uploader = new Uploader({ db, config, storage: site, emit: () => {}, coverageWaitMs: 0 });
  for (const ev of [event('e1', 2, ['motion']), event('e2', 10, ['motion', 'person'])]) uploader.accept({ known: true, record: ev, line: 1 });
  await uploader.run(new AbortController().signal, Promise.resolve());
  db.close();
  for (const id of ['e1', 'e2']) bases[id] = `home/clips/front/2024/05/01/${id}`;
}, 60_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), dynamo?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const env = (table: string, over: Record<string, string> = {}) => ({
  CCTV_STORAGE_URL: `s3://${s3.bucket}`, AWS_REGION: s3.region, CCTV_LOG_LEVEL: 'warn', CCTV_EVENTS_TABLE: table,
  CCTV_SITES: 'home', CCTV_LEGACY_SITE: 'home', CCTV_DYNAMODB_ENDPOINT: dynamo.endpoint, ...over,
});
const handler = (table = dynamo.tableName) => createIndexerHandler({ storage: root, dynamodb: dynamo.client, env: env(table) });
const catalog = (table = dynamo.tableName) => dynamoEventCatalog({ client: dynamo.client, tableName: table, site: 'home' });

/** The table's items without the write bookkeeping (what was read when, from which event). */
async function items(table: string): Promise<Record<string, unknown>[]> {
  const r = await DynamoDBDocumentClient.from(dynamo.client).send(new ScanCommand({ TableName: table }));
  return (r.Items ?? []).map((i) => {
    const { readAtMs: _r, seq: _s, ...rest } = i;
    return rest;
  }).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
}

/** An analysis lands in the manifest (what `cctv analyze` writes): a new version of the object. */
async function analyse(base: string, labels: [string, number][]): Promise<void> {
  const key = `${base}.json`;
  const manifest = (await readManifest(root, key))!;
  await writeManifest(root, key, manifest, {
    labels: labels.map(([name, confidence]) => ({ name, confidence, at: iso(T0) })), detector: 'local', frames: 3, analyzedAt: iso(T0 + 60_000),
  }, 'front');
}

describe('index hook', () => {
  it('S3 notifications: indexes the manifest; a duplicate and an older delivery after a newer one change nothing', async () => {
    const h = handler();
    const v1 = s3Event(s3.bucket, `${bases.e1}.json`);
    expect((await h(v1)) as unknown).toEqual({ results: [{ key: `${bases.e1}.json`, outcome: 'indexed', site: 'home' }] });
    await analyse(bases.e1!, [['person', 0.91], ['person', 0.5], ['car', 0.7]]);
    const v2 = s3Event(s3.bucket, `${bases.e1}.json`);
    expect(await h(v2)).toMatchObject({ results: [{ outcome: 'indexed' }] });
    const after = await items(dynamo.tableName);
    const raw = await dynamo.client.send(new RawScanCommand({ TableName: dynamo.tableName }));
    for (const late of [v2, v1, v2, v1]) expect(await h(late)).toMatchObject({ results: [{ outcome: 'unchanged' }] });
    expect(await items(dynamo.tableName)).toEqual(after);
    expect((await dynamo.client.send(new RawScanCommand({ TableName: dynamo.tableName }))).Items).toEqual(raw.Items); // not even rewritten

    const page = await catalog().listEvents({ cameras: [], labels: [], limit: 10 });
    expect(page.events).toEqual([{
      eventId: 'e1', camera: 'front', startMs: T0 + 2000, endMs: T0 + 5000, clipKey: 'clips/front/2024/05/01/e1.mp4', hasPoster: true, reviewed: false,
      labels: [{ name: 'person', confidence: 0.91, source: 'detector' }, { name: 'car', confidence: 0.7, source: 'detector' }, { name: 'motion', confidence: null, source: 'camera' }],
    }]);
    expect(await catalog().storedClip('clips/front/2024/05/01/e1.mp4')).toEqual({
      key: 'clips/front/2024/05/01/e1.mp4', url: `s3://${s3.bucket}/home/clips/front/2024/05/01/e1.mp4`,
      poster: `s3://${s3.bucket}/home/clips/front/2024/05/01/e1.jpg`, camera: 'front', startMs: T0 + 1000,
    });
  });

  it('a slow invocation that read the older version writes nothing once the newer one is in (the sequencer decides)', async () => {
    const key = parseClipKey(`${bases.e1}.json`)!;
    const now = (await readManifest(root, `${bases.e1}.json`))!;
    const { analyzedAt: _a, detector: _d, labels: _l, frames: _f, ...before } = now;
    const stale = entryOfManifest({ ...before, labels: ['motion'] }, key);
    if (!('entry' in stale)) throw new Error(stale.problem);
    const first = normaliseSequencer('00000000000000000001')!;
    expect(await catalog().putEntry(stale.entry, { sequencer: first, readAtMs: Date.now() })).toBe(false);
    expect((await catalog().listEvents({ cameras: [], labels: ['car'], limit: 10 })).events.map((e) => e.eventId)).toEqual(['e1']);
  });

  it('EventBridge events: the same, in either order', async () => {
    const h = handler();
    const v1 = eventBridgeEvent(s3.bucket, `${bases.e2}.json`);
    await analyse(bases.e2!, [['person', 0.8]]);
    const v2 = eventBridgeEvent(s3.bucket, `${bases.e2}.json`);
    expect(await h(v2)).toMatchObject({ results: [{ key: `${bases.e2}.json`, outcome: 'indexed', site: 'home' }] });
    expect(await h(v1)).toMatchObject({ results: [{ outcome: 'unchanged' }] });
    const page = await catalog().listEvents({ cameras: ['front'], labels: ['person'], limit: 10 });
    expect(page.events.map((e) => [e.eventId, e.labels.map((l) => l.name)])).toEqual([['e2', ['person', 'motion']], ['e1', ['person', 'car', 'motion']]]);
  });

  it('a 0.1 key (clips/… at the bucket root) belongs to CCTV_LEGACY_SITE; other objects are ignored; a broken manifest is reported', async () => {
    const legacy = 'clips/front/2024/05/01/old1';
    const manifest = { ...(await readManifest(root, `${bases.e1}.json`))!, eventId: 'old1', event: { ...event('old1', -3600, ['motion']) } };
    await root.put(`${legacy}.json`, { body: Buffer.from(JSON.stringify(manifest)) }, { contentType: 'application/json', metadata: {} });
    await root.put('home/clips/front/2024/05/01/bad.json', { body: Buffer.from('{"eventId":"bad"}') }, { contentType: 'application/json', metadata: {} });
    const h = handler();
    const r = await h({ Records: [...s3Event(s3.bucket, `${legacy}.json`).Records!, ...s3Event(s3.bucket, `${bases.e1}.mp4`).Records!, ...s3Event(s3.bucket, 'home/clips/front/2024/05/01/bad.json').Records!] });
    expect(r).toEqual({
      results: [
        { key: `${legacy}.json`, outcome: 'indexed', site: 'home' },
        { key: `${bases.e1}.mp4`, outcome: 'ignored', reason: 'not a clip manifest' },
        { key: 'home/clips/front/2024/05/01/bad.json', outcome: 'invalid', site: 'home', reason: 'no event.start' },
      ],
    });
    expect((await catalog().listEvents({ cameras: [], labels: [], limit: 10 })).events.map((e) => e.eventId)).toEqual(['e2', 'e1', 'old1']);
  });

  it('a reindex invocation into an empty table gives the live index, item for item; a second one gives the same table', async () => {
    await createTable(dynamo.client, 'rebuilt');
    const h = handler('rebuilt');
    expect(await h({ reindex: true })).toMatchObject({ reindexed: { manifests: 4, indexed: 3, invalid: 1, failed: 0 } });
    expect(await items('rebuilt')).toEqual(await items(dynamo.tableName));
    expect(await h({ reindex: { sites: ['home'] } })).toMatchObject({ reindexed: { manifests: 3, indexed: 2, invalid: 1 } }); // re-read: newer reads replace
    expect(await items('rebuilt')).toEqual(await items(dynamo.tableName));
  });

  it('reindex prefixes: the sites asked, or every site and the 0.1 keys', () => {
    expect(reindexPrefixes({ sites: ['home', 'shop'], legacySite: 'home' }, { reindex: true })).toEqual(['home/clips/', 'shop/clips/', 'clips/']);
    expect(reindexPrefixes({ sites: ['home', 'shop'], legacySite: null }, { reindex: { sites: ['shop'] } })).toEqual(['shop/clips/']);
    expect(() => reindexPrefixes({ sites: [], legacySite: null }, { reindex: { sites: ['../x'] } })).toThrow(/lowercase/);
  });

  it('refuses a bad environment by variable name', async () => {
    const h = createIndexerHandler({ storage: root, env: { ...env('t'), CCTV_EVENTS_TABLE: undefined as unknown as string, CCTV_SITES: 'Home' } });
    await expect(h({ reindex: true })).rejects.toThrow(/CCTV_EVENTS_TABLE: is required[\s\S]*CCTV_SITES: Home: must be/);
  });
});
