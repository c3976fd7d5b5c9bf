// Prune planning benchmark over 1,000,000 catalogued segments (the goal: < 2 s). Plain node against the compiled
// library:  npx tsc -p tsconfig.json && node bench/prune.mjs
// The catalog: 10 cameras × 100,000 five-minute segments (≈ 347 days), 20,000 events (kept 30 days: the recent ones
// protect segments), 50 pending event uploads and 20 pending segment backups. Timed: reading the segments, events
// and outbox from the catalog, and planRetention (age + quota + emergency all active). The disk walk of `cctv prune`
// is I/O and not part of this figure. Writes bench/results/prune.json.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'lib');
const { openDb } = await import(path.join(dist, 'catalog', 'db.js'));
const { configSchema } = await import(path.join(dist, 'config', 'schema.js'));
const { planRetention } = await import(path.join(dist, 'retention', 'plan.js'));
const { allSegments } = await import(path.join(dist, 'catalog', 'segments.js'));
const { eventsOpenOrEndedSince } = await import(path.join(dist, 'catalog', 'events.js'));
const { enqueue } = await import(path.join(dist, 'catalog', 'outbox.js'));
const { loadInUse, policyFrom } = await import(path.join(dist, 'retention', 'prune.js'));

const CAMERAS = 10;
const PER_CAMERA = 100_000;
const SEG_MS = 300_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 1);
const START = NOW - PER_CAMERA * SEG_MS;
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const iso = (t) => new Date(t).toISOString();

const dir = mkdtempSync(path.join(tmpdir(), 'cctv-bench-prune-'));
try {
  const db = openDb(dir);
  let t0 = process.hrtime.bigint();
  const seg = db.prepare('INSERT INTO segments (camera, path, start_ms, end_ms, bytes, closed, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const ev = db.prepare(`INSERT INTO events (id, camera, state, start_ms, end_ms, labels, source, updated_ms) VALUES (?, ?, 'end', ?, ?, '["motion"]', 'onvif', ?)`);
  db.transaction(() => {
    for (let i = 0; i < PER_CAMERA; i++) {
      const t = START + i * SEG_MS;
      const d = iso(t);
      for (let c = 0; c < CAMERAS; c++) {
        seg.run(`cam${c}`, `recordings/cam${c}/${d.slice(0, 10)}/${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)}.mkv`, t, t + SEG_MS, 60_000_000, i === PER_CAMERA - 1 ? 0 : 1, t);
      }
    }
    for (let i = 0; i < 20_000; i++) {
      const t = START + Math.floor((i / 20_000) * PER_CAMERA * SEG_MS);
      ev.run(`e${i}`, `cam${i % CAMERAS}`, t, t + 60_000, t);
    }
    for (let i = 0; i < 50; i++) {
      const t = NOW - 20 * DAY + i * 3_600_000;
      enqueue(db, { key: `event:p${i}`, kind: 'event', payload: { v: 1, kind: 'event', id: `p${i}`, camera: `cam${i % CAMERAS}`, state: 'end', at: iso(t + 60_000), start: iso(t), end: iso(t + 60_000), labels: [], source: 'onvif' } }, 0);
    }
    for (let i = 0; i < 20; i++) {
      const t = START + i * SEG_MS;
      const d = iso(t);
      const p = `recordings/cam0/${d.slice(0, 10)}/${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)}.mkv`;
      enqueue(db, { key: `segment:${i}`, kind: 'segment', payload: { v: 1, kind: 'segment', camera: 'cam0', path: p, start: d, end: iso(t + SEG_MS), durationSeconds: SEG_MS / 1000, bytes: 60_000_000 } }, 0);
    }
  })();
  const buildMs = ms(t0);

  // 60 GB segments × 1M = 60 TB: a 40 TB quota and a free-space floor make quota and emergency both do work.
  const config = configSchema.parse({ dataDir: dir, retention: { recordingsDays: 90, keepEventsDays: 30, maxDiskGb: 40_000, minFreeGb: 10_000 } });
  const runs = [];
  let plan;
  for (let r = 0; r < 5; r++) {
    const t1 = process.hrtime.bigint();
    const segments = allSegments(db);
    const loadMs = ms(t1);
    const t2 = process.hrtime.bigint();
    const policy = policyFrom(config);
    const events = eventsOpenOrEndedSince(db, NOW - policy.keepEventsDays * DAY);
    plan = planRetention({ nowMs: NOW, policy, segments, events, inUse: loadInUse(db, config), missing: new Set(), localClips: [], stored: [], freeBytes: 5_000e9 });
    const planMs = ms(t2);
    runs.push({ loadMs: Math.round(loadMs), planMs: Math.round(planMs), totalMs: Math.round(loadMs + planMs) });
    console.log(JSON.stringify(runs.at(-1)));
  }
  const reasons = plan.segments.reduce((m, d) => ({ ...m, [d.reason]: (m[d.reason] ?? 0) + 1 }), {});
  db.close();
  const sorted = runs.map((r) => r.totalMs).sort((a, b) => a - b);
  const out = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model.split(' ').slice(0, 2).join(' '), node: process.version },
    catalog: { segments: CAMERAS * PER_CAMERA, cameras: CAMERAS, events: 20_000, pendingUploads: 70, buildSeconds: +(buildMs / 1000).toFixed(1) },
    goal: 'planning < 2 s',
    runs,
    medianTotalMs: sorted[Math.floor(sorted.length / 2)],
    plan: { delete: plan.segments.length, byReason: reasons, kept: plan.kept, quotaShortfallBytes: plan.quotaShortfallBytes, emergencyShortfallBytes: plan.emergencyShortfallBytes },
  };
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'prune.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out.plan));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
