// Search benchmark: latency of `cctv search` queries over a catalog of 1,000,000 events (the goal: p99 < 50 ms for the
// daily question `--tag person --since 24h`). Plain node against the compiled library:
//   npx tsc -p tsconfig.json && node bench/search.mjs
// The catalog: 20 cameras, 1,000,000 events over 365 days (≈ 2,740 a day); camera AI labels motion (80 %) or person
// (20 %); 60 % of events have a stored clip analysed by the detector (person 35 %, car 20 %, confidence 0.5–1), plus
// 20,000 plain clips. Each query is timed as the command runs it: search() including labels, clip and poster lookups.
// Writes bench/results/search.json.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'lib');
const { openDb } = await import(path.join(dist, 'catalog', 'db.js'));
const { search } = await import(path.join(dist, 'catalog', 'search.js'));

const EVENTS = 1_000_000;
const CAMERAS = 20;
const DAYS = 365;
const DAY = 86_400_000;
const END = Date.UTC(2025, 0, 1);
const START = END - DAYS * DAY;
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

const dir = mkdtempSync(path.join(tmpdir(), 'cctv-bench-search-'));
try {
  const db = openDb(dir);
  let t0 = process.hrtime.bigint();
  const ev = db.prepare(`INSERT INTO events (id, camera, state, start_ms, end_ms, labels, source, topic, updated_ms) VALUES (?, ?, 'end', ?, ?, ?, 'onvif', NULL, ?)`);
  const up = db.prepare(`INSERT INTO uploads (key, url, kind, event_id, camera, start_ms, end_ms, bytes, sha256, poster, manifest, partial, uploaded_ms)
    VALUES (?, ?, 'clip', ?, ?, ?, ?, 1000000, 'x', ?, NULL, 0, ?)`);
  const det = db.prepare('INSERT INTO detections (clip_url, event_id, camera, label, confidence, at_ms, start_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < EVENTS; i++) {
      const t = START + Math.floor((i / EVENTS) * DAYS * DAY);
      const camera = `cam${i % CAMERAS}`;
      const id = `e${i}`;
      ev.run(id, camera, t, t + 30_000, rnd() < 0.8 ? '["motion"]' : '["person"]', t);
      if (rnd() < 0.6) {
        const url = `s3://bucket/clips/${camera}/${id}.mp4`;
        up.run(`clips/${camera}/${id}.mp4`, url, id, camera, t - 5000, t + 40_000, url.replace('.mp4', '.jpg'), t);
        if (rnd() < 0.35) det.run(url, id, camera, 'person', 0.5 + rnd() / 2, t, t - 5000);
        if (rnd() < 0.2) det.run(url, id, camera, 'car', 0.5 + rnd() / 2, t, t - 5000);
      }
      if (i % 50 === 0) {
        const url = `s3://bucket/clips/${camera}/drop${i}.mp4`;
        up.run(`clips/${camera}/drop${i}.mp4`, url, null, camera, t, t + 20_000, null, t);
        if (rnd() < 0.3) det.run(url, null, camera, 'person', 0.5 + rnd() / 2, t, t);
      }
    }
  })();
  const buildMs = ms(t0);
  db.pragma('optimize');
  const counts = Object.fromEntries(['events', 'event_labels', 'uploads', 'detections'].map((t) => [t, db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get()]));

  const RUNS = 300;
  const queries = {
    'daily: --tag person --since 24h': (now) => ({ tags: ['person'], cameras: [], sinceMs: now - DAY, untilMs: now, limit: 100 }),
    '--tag person --since 24h --min-confidence 0.8': (now) => ({ tags: ['person'], cameras: [], sinceMs: now - DAY, untilMs: now, minConfidence: 0.8, limit: 100 }),
    '--tag person --tag car --since 7d': (now) => ({ tags: ['person', 'car'], cameras: [], sinceMs: now - 7 * DAY, untilMs: now, limit: 100 }),
    '--tag person --camera cam3 --since 7d': (now) => ({ tags: ['person'], cameras: ['cam3'], sinceMs: now - 7 * DAY, untilMs: now, limit: 100 }),
    '--since 24h (no tag)': (now) => ({ tags: [], cameras: [], sinceMs: now - DAY, untilMs: now, limit: 100 }),
    '--tag car (whole year, newest 100)': () => ({ tags: ['car'], cameras: [], limit: 100 }),
  };
  const results = {};
  for (const [name, make] of Object.entries(queries)) {
    const times = [];
    let matches = 0;
    for (let r = 0; r < RUNS; r++) {
      // The first run asks at the end of the data (today); the others on other days, so no page is repeated warm.
      const now = r === 0 ? END : END - Math.floor(rnd() * (DAYS - 8)) * DAY;
      t0 = process.hrtime.bigint();
      matches += search(db, make(now)).length;
      times.push(ms(t0));
    }
    results[name] = { runs: RUNS, avgMatches: Math.round(matches / RUNS), p50Ms: +pct(times, 50).toFixed(2), p95Ms: +pct(times, 95).toFixed(2), p99Ms: +pct(times, 99).toFixed(2), maxMs: +Math.max(...times).toFixed(2) };
    console.log(name.padEnd(50), JSON.stringify(results[name]));
  }
  db.close();
  const out = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model.split(' ').slice(0, 2).join(' '), node: process.version },
    catalog: { ...counts, cameras: CAMERAS, days: DAYS, buildSeconds: +(buildMs / 1000).toFixed(1) },
    goal: 'daily question p99 < 50 ms',
    queries: results,
  };
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'search.json'), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
