// Drain benchmark (issue 11 item 12): the outbox's per-item overhead (claim, keep the result, mark done) while
// draining 30,000 queued items, at the start, middle and end of the drain: it must stay flat. For comparison, the
// 0.1 claim (every due row read with its payload inside a write transaction, for every claim) at the same depth.
// Plain node against the compiled library:
//   npx tsc -p tsconfig.json && node bench/drain.mjs
// Writes bench/results/drain.json.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const { openDb } = await import(path.join(dist, 'lib', 'catalog', 'db.js'));
const { enqueue, claimNext, saveResult, markDone, pendingCount } = await import(path.join(dist, 'lib', 'catalog', 'outbox.js'));
const { registerWorker } = await import(path.join(dist, 'lib', 'catalog', 'workers.js'));

const ITEMS = 30_000;
const WINDOW = 1000;
const work = await mkdtemp(path.join(tmpdir(), 'cctv-bench-drain-'));
const us = (t0) => Number(process.hrtime.bigint() - t0) / 1e3;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

try {
  const db = openDb(path.join(work, 'data'));
  const T = Date.UTC(2024, 4, 1);
  const t0 = process.hrtime.bigint();
  db.transaction(() => {
    for (let i = 0; i < ITEMS; i++) {
      const start = new Date(T + i * 60_000).toISOString();
      const end = new Date(T + (i + 1) * 60_000).toISOString();
      const path = `recordings/front/2024-05-01/${String(i).padStart(6, '0')}.mkv`;
      enqueue(db, { key: `segment:${path}`, kind: 'segment', payload: { v: 1, kind: 'segment', camera: 'front', path, start, end, durationSeconds: 60, bytes: 12_345_678 } }, T);
    }
  })();
  const enqueueMs = us(t0) / 1000;

  // 0.1's claim at full depth: the whole due scan (with payloads) in a write transaction, per claim.
  const legacy = [];
  const scan = db.prepare(`SELECT id, payload, owner, claimed_ms FROM outbox WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY priority DESC, next_attempt_ms, id`);
  for (let i = 0; i < 50; i++) {
    const t = process.hrtime.bigint();
    db.transaction(() => scan.all(Date.now()).map((r) => JSON.parse(r.payload))).immediate();
    legacy.push(us(t));
  }

  const owner = registerWorker(db, 'bench');
  const perItem = [];
  for (;;) {
    const t = process.hrtime.bigint();
    const item = claimNext(db, 'upload', owner);
    if (!item) break;
    saveResult(db, item.id, owner, { records: [], note: null });
    markDone(db, item.id, owner);
    perItem.push(us(t));
  }
  if (perItem.length !== ITEMS || pendingCount(db, 'upload') !== 0) throw new Error(`drained ${perItem.length} of ${ITEMS}`);
  db.close();

  const window = (from) => {
    const xs = perItem.slice(from, from + WINDOW);
    return { p50Us: round(pct(xs, 0.5)), p99Us: round(pct(xs, 0.99)) };
  };
  const first = window(0);
  const middle = window(ITEMS / 2 - WINDOW / 2);
  const last = window(ITEMS - WINDOW);
  const result = {
    date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model,
    items: ITEMS, enqueueMs: round(enqueueMs, 0),
    perItem: { first, middle, last, all: { p50Us: round(pct(perItem, 0.5)), p99Us: round(pct(perItem, 0.99)) } },
    flat: last.p50Us <= first.p50Us * 2,
    legacyClaimAtDepthMs: { p50: round(pct(legacy, 0.5) / 1000), p99: round(pct(legacy, 0.99) / 1000) },
    goal: 'per-item overhead flat while draining 30,000 items (last 1,000 p50 within 2x of the first 1,000)',
  };
  await writeFile(path.join(here, 'results', 'drain.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await rm(work, { recursive: true, force: true });
}
