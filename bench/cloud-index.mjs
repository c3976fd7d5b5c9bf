// The hosted app's event index (issue 15): the DynamoDB EventCatalog's listing queries over dynalite with 100,000
// events (p50/p99 per query shape: what /api/events asks; the web adapter's own cost is measured with it, elsewhere),
// and the index hook's time per manifest (S3 event → GET from s3rver → conditional PutItems into dynalite), live and
// in a reindex. Run `npm run build` first. Results go to bench/results/cloud-index.json.
//   node bench/cloud-index.mjs [events=100000]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createIndexerHandler } from '../dist/lambda/indexer.js';
import { createTable, dynamoEventCatalog, entryItems } from '../dist/lib/catalog/dynamodb/index.js';
import { openStorage } from '../dist/lib/storage/index.js';
import { CAMERAS, fillEvents, loadFigures, startDynalite, stats, T0 } from './dynalite-events.mjs';

const EVENTS = Number(process.argv[2] ?? 100_000);
const TABLE = 'cctv-events';
const require = createRequire(import.meta.url);

async function time(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return stats(out);
}

// dynalite in this process (as the tests run it), on a loopback port, spoken to by the real SDK client.
const { server, client } = await startDynalite('us-east-1');
await createTable(client, TABLE);
const catalog = dynamoEventCatalog({ client, tableName: TABLE, site: 'home' });

// 100,000 events over 8 cameras, a year of them (about 275 a day); one in ten has a person found, one in 25 a car.
const fill = await fillEvents(client, TABLE, EVENTS, ({ i, camera, startMs, id, key }) => {
  const detected = [...(i % 10 === 0 ? [{ name: 'person', confidence: 0.9 }] : []), ...(i % 25 === 0 ? [{ name: 'car', confidence: 0.8 }] : [])];
  return entryItems('home', {
    eventId: id, camera, startMs, endMs: startMs + 20_000, cameraLabels: ['motion'], detected,
    clip: { key, url: `s3://bucket/home/${key}`, poster: `s3://bucket/home/${key.replace('.mp4', '.jpg')}`, startMs: startMs - 5000 },
  }, 365).map((item) => ({ ...item, readAtMs: 1 }));
});
process.stderr.write(`filled ${EVENTS} events in ${fill.seconds} s\n`);

const N = 200;
const q = (o = {}) => ({ cameras: [], labels: [], limit: 50, ...o });
const first = await catalog.listEvents(q());
const listing = {
  newestPage: await time(N, () => catalog.listEvents(q())),
  oneCamera: await time(N, (i) => catalog.listEvents(q({ cameras: [CAMERAS[i % 8]] }))),
  twoCameras: await time(N, (i) => catalog.listEvents(q({ cameras: [CAMERAS[i % 8], CAMERAS[(i + 3) % 8]] }))),
  labelPerson: await time(N, () => catalog.listEvents(q({ labels: ['person'] }))),
  labelPersonAndCar: await time(N / 4, () => catalog.listEvents(q({ labels: ['person', 'car'] }))),
  dayRange: await time(N, (i) => catalog.listEvents(q({ sinceMs: T0 + (i % 300) * 86_400_000, untilMs: T0 + ((i % 300) + 1) * 86_400_000 }))),
  nextPage: await time(N, () => catalog.listEvents(q({ cursor: first.next }))),
  storedClip: await time(N, (i) => catalog.storedClip(`clips/${CAMERAS[i % 8]}/2026/01/01/${CAMERAS[i % 8]}-${i * 8 + (i % 8)}.mp4`)),
};
process.stderr.write(`${JSON.stringify(listing)}\n`);

// The index hook against s3rver + this dynalite: 200 manifests, each event delivered (then once more: a duplicate).
const dir = mkdtempSync(path.join(tmpdir(), 'cctv-bench-s3-'));
const s3 = spawn(process.execPath, ['--openssl-legacy-provider', '-e', `
const S3rver = require(${JSON.stringify(require.resolve('@20minutes/s3rver'))});
new S3rver({ address: '127.0.0.1', port: 0, directory: ${JSON.stringify(dir)}, silent: true, configureBuckets: [{ name: 'bench' }] })
  .run().then((a) => console.log(JSON.stringify({ port: a.port })));`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => s3.stdout.once('data', (d) => r(JSON.parse(String(d)).port)));
Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
// s3rver answers bucket-level requests sent to /bucket/ with 403 (its bug): the tests' middleware, inline.
const fix = (c) => c.middlewareStack.add((next) => async (args) => {
  if (args.request.path && /^\/[^/]+\/$/.test(args.request.path)) args.request.path = args.request.path.slice(0, -1);
  return next(args);
}, { step: 'build', name: 's3rverTrailingSlash' });
const storage = openStorage('s3://bench', { region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, configureClient: fix });
const MANIFESTS = 200;
const keys = [];
for (let i = 0; i < MANIFESTS; i++) {
  const startMs = T0 + i * 60_000;
  const id = `bench-${i}`;
  const base = `home/clips/front/2026/01/01/${id}`;
  const manifest = {
    v: 1, eventId: id, camera: 'front', event: { v: 1, kind: 'event', id, camera: 'front', state: 'end', at: new Date(startMs + 20_000).toISOString(), start: new Date(startMs).toISOString(), end: new Date(startMs + 20_000).toISOString(), labels: ['motion'], source: 'onvif' },
    window: { start: new Date(startMs - 5000).toISOString(), end: new Date(startMs + 30_000).toISOString() }, gaps: [], labels: [{ name: 'person', confidence: 0.91, at: new Date(startMs).toISOString() }],
    detector: 'local', frames: 3, analyzedAt: new Date(startMs + 60_000).toISOString(),
    url: `s3://bench/${base}.mp4`, poster: `s3://bench/${base}.jpg`, bytes: 1_000_000, sha256: 'a'.repeat(64), durationSeconds: 35, partial: false,
  };
  await storage.put(`${base}.json`, { body: Buffer.from(JSON.stringify(manifest, null, 2)) }, { contentType: 'application/json', metadata: { camera: 'front' } });
  keys.push(`${base}.json`);
}
const handler = createIndexerHandler({
  storage, dynamodb: client,
  env: { CCTV_STORAGE_URL: 's3://bench', AWS_REGION: 'us-east-1', CCTV_EVENTS_TABLE: TABLE, CCTV_SITES: 'home', CCTV_LOG_LEVEL: 'warn' },
});
const event = (key, seq) => ({ Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventTime: new Date().toISOString(), eventName: 'ObjectCreated:Put', s3: { s3SchemaVersion: '1.0', bucket: { name: 'bench', arn: 'arn:aws:s3:::bench' }, object: { key, size: 1000, sequencer: seq.toString(16).toUpperCase().padStart(18, '0') } } }] });
const live = await time(MANIFESTS, (i) => handler(event(keys[i], 0x100 + i)));
const duplicate = await time(MANIFESTS, (i) => handler(event(keys[i], 0x100 + i)));
const t = performance.now();
const summary = (await handler({ reindex: true })).reindexed;
const reindexSeconds = (performance.now() - t) / 1000;

const results = {
  when: new Date().toISOString(), node: process.version, machine: '2 shared cores (other engineers running tests at the same time)',
  loadAverage1m: loadFigures(fill.load),
  note: 'dynalite and s3rver on loopback, in/next to this process: the shape and relative costs of the queries, not DynamoDB latency (single-digit ms per request in AWS)',
  events: EVENTS, cameras: CAMERAS.length, fillSeconds: fill.seconds, pageSize: 50,
  listing,
  indexer: {
    perManifestMs: live, duplicateDeliveryMs: duplicate,
    reindex: { manifests: summary.manifests, indexed: summary.indexed, seconds: Math.round(reindexSeconds * 100) / 100, perSecond: Math.round(summary.manifests / reindexSeconds) },
  },
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/cloud-index.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
s3.kill();
client.destroy();
server.close();
rmSync(dir, { recursive: true, force: true });
