// Benchmark of `cctv serve` (run `npm run build` first): `node bench/serve.mjs`.
// 1. /api/events on a catalog of 100,000 events (20% with stored clips and detections): latency p50/p99 of sequential
//    requests and requests/s with 8 concurrent clients, over real HTTP on loopback, for the common queries.
// 2. Time to first frame in Chromium for an event clip and for a timeline seek (fragmented MP4 remux), on loopback.
// Results go to bench/results/serve.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { openDb } from '../dist/lib/catalog/db.js';
import { sqliteEventCatalog } from '../dist/lib/catalog/sqlite-event-catalog.js';
import { upsertSegment } from '../dist/lib/catalog/segments.js';
import { configSchema } from '../dist/lib/config/schema.js';
import { createApp, listen } from '../dist/lib/serve/index.js';
import { openStorage } from '../dist/lib/storage/index.js';
import { Uploader } from '../dist/lib/upload/uploader.js';

const EVENTS = 100_000;
const dir = mkdtempSync(path.join(tmpdir(), 'cctv-bench-serve-'));
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);
const config = configSchema.parse({
  dataDir: dir,
  cameras: Object.fromEntries(['front', 'back', 'drive', 'garden'].map((c) => [c, { url: 'rtsp://127.0.0.1/x' }])),
  events: { preRollSeconds: 2, postRollSeconds: 2 },
  storage: { url: `file://${path.join(dir, 'archive')}` },
});
const db = openDb(dir);

// ---- a catalog of 100,000 events ----
const cams = Object.keys(config.cameras);
const t = Date.now();
db.transaction(() => {
  const ev = db.prepare(`INSERT INTO events (id, camera, state, start_ms, end_ms, labels, source, topic, updated_ms) VALUES (?, ?, 'end', ?, ?, ?, 'onvif', 'x', 0)`);
  const up = db.prepare(`INSERT INTO uploads (key, url, kind, event_id, camera, start_ms, end_ms, bytes, sha256, poster, manifest, partial, uploaded_ms)
    VALUES (?, ?, 'clip', ?, ?, ?, ?, 1000, 'x', ?, NULL, 0, 0)`);
  const det = db.prepare(`INSERT INTO detections (clip_url, event_id, camera, label, confidence, at_ms, start_ms, box) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`);
  for (let i = 0; i < EVENTS; i++) {
    const start = T0 + i * 25_000;
    const camera = cams[i % cams.length];
    const id = `${camera}-${i}`;
    ev.run(id, camera, start, start + 10_000, i % 7 === 0 ? '["motion","person"]' : '["motion"]');
    if (i % 5 === 0) {
      const key = `clips/${camera}/${id}.mp4`;
      const url = `file://${dir}/archive/${key}`;
      up.run(key, url, id, camera, start - 2000, start + 12_000, url.replace('.mp4', '.jpg'));
      det.run(url, id, camera, i % 10 === 0 ? 'person' : 'car', 0.8, start, start - 2000);
    }
  }
})();
const seedSeconds = (Date.now() - t) / 1000;

const storage = openStorage(config.storage.url);
const app = createApp({ catalog: sqliteEventCatalog(db), config, storage });
const server = await listen(app, '127.0.0.1', 0);
const base = new URL(server.url);
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function get(p) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    request({ host: base.hostname, port: base.port, path: p, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c)).on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${p}: ${res.statusCode}`));
        else resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, body: Buffer.concat(chunks).toString() });
      });
    }).on('error', reject).end();
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
async function measure(name, p, n = 1000) {
  for (let i = 0; i < 50; i++) await get(p); // warm-up
  const times = [];
  for (let i = 0; i < n; i++) times.push((await get(p)).ms);
  times.sort((a, b) => a - b);
  let done = 0;
  const until = Date.now() + 3000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (Date.now() < until) {
      await get(p);
      done++;
    }
  }));
  const r = { name, path: p, p50Ms: +pct(times, 50).toFixed(2), p99Ms: +pct(times, 99).toFixed(2), requestsPerSecond: Math.round(done / 3) };
  console.error(JSON.stringify(r));
  return r;
}

const first = JSON.parse((await get('/api/events?limit=50')).body);
const deep = JSON.parse((await get(`/api/events?limit=50&before=${encodeURIComponent(first.next)}`)).body);
let cursor = first.next;
for (let i = 0; i < 40; i++) cursor = JSON.parse((await get(`/api/events?limit=50&before=${encodeURIComponent(cursor)}`)).body).next;
const api = [];
api.push(await measure('newest 50', '/api/events?limit=50'));
api.push(await measure('person only', '/api/events?limit=50&label=person'));
api.push(await measure('one camera', '/api/events?limit=50&camera=drive'));
api.push(await measure('one camera, person, one day', `/api/events?limit=50&camera=front&label=person&since=2024-06-01&until=2024-06-02`));
api.push(await measure('page 42 (cursor)', `/api/events?limit=50&before=${encodeURIComponent(cursor)}`));
if (deep.events.length !== 50) throw new Error('paging broken');

// ---- time to first frame in Chromium ----
const mediaDir = path.join(dir, 'recordings', 'front', '2024-05-01');
mkdirSync(mediaDir, { recursive: true });
for (let s = 0; s < 3; s++) {
  const start = T0 + s * 60_000;
  const rel = path.join('recordings', 'front', '2024-05-01', `00${String(s).padStart(2, '0')}00.mkv`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-f', 'lavfi', '-i', 'sine=f=440',
    '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', path.join(dir, rel)]);
  upsertSegment(db, { camera: 'front', path: rel, startMs: start, endMs: start + 60_000, bytes: statSync(path.join(dir, rel)).size, closed: true });
}
const iso = (ms) => new Date(ms).toISOString();
const uploader = new Uploader({ db, config, storage, emit: () => {}, coverageWaitMs: 0 });
uploader.accept({ known: true, line: 1, record: { v: 1, kind: 'event', id: 'bench-clip', camera: 'front', state: 'end', at: iso(T0 + 80_000), start: iso(T0 + 50_000), end: iso(T0 + 80_000), labels: ['motion'], source: 'manual' } });
await uploader.run(new AbortController().signal, Promise.resolve());
const clipPath = '/media/clip/clips/front/2024/05/01/bench-clip.mp4';

const profile = mkdtempSync(path.join(tmpdir(), 'cctv-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
});
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(`${server.url}/#/live`);
/** ms from setting the video's src to its first presented frame (requestVideoFrameCallback). */
const firstFrame = (src) => page.evaluate((s) => new Promise((resolve, reject) => {
  const v = document.createElement('video');
  v.muted = true;
  v.playsInline = true;
  document.body.append(v);
  const t0 = performance.now();
  v.requestVideoFrameCallback(() => {
    const ms = performance.now() - t0;
    v.pause();
    v.removeAttribute('src');
    v.load();
    v.remove();
    resolve(ms);
  });
  v.onerror = () => reject(new Error(`cannot play ${s}`));
  v.src = s;
  v.play().catch(() => {});
}), src);
async function ttff(name, src, n = 15) {
  await firstFrame(src(0));
  const times = [];
  for (let i = 0; i < n; i++) times.push(await firstFrame(src(i)));
  times.sort((a, b) => a - b);
  const r = { name, runs: n, medianMs: Math.round(pct(times, 50)), p90Ms: Math.round(pct(times, 90)), maxMs: Math.round(times[times.length - 1]) };
  console.error(JSON.stringify(r));
  return r;
}
const frames = [
  await ttff('event clip (range requests)', () => clipPath),
  await ttff('timeline seek (fMP4 remux of the covering segments)', (i) => `/media/recording/front.mp4?at=${iso(T0 + 5_000 + i * 9_000)}`),
];
await context.close();
rmSync(profile, { recursive: true, force: true });
await server.close();
agent.destroy();
db.close();
rmSync(dir, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  catalog: { events: EVENTS, storedClips: EVENTS / 5, seedSeconds },
  api,
  timeToFirstFrame: frames,
  goals: { firstFrameMs: 500, apiP99Ms: 20 },
};
writeFileSync(new URL('./results/serve.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
