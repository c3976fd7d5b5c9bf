// Analyze benchmark: seconds from an `uploaded` record to its `analyzed` record and to the alert arriving at a
// real webhook receiver, for event clips cut from vtest.avi (pedestrians), and frames examined per event.
// Plain node against the compiled library:
//   npx tsc -p tsconfig.json && node bench/analyze.mjs
// Writes bench/results/analyze.json.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const { ensureVtest } = await import(path.join(dist, 'lib', 'demo', 'vtest.js'));
const { configSchema } = await import(path.join(dist, 'lib', 'config', 'schema.js'));
const { openDb } = await import(path.join(dist, 'lib', 'catalog', 'db.js'));
const { openStorage } = await import(path.join(dist, 'lib', 'storage', 'index.js'));
const { createAlerter } = await import(path.join(dist, 'lib', 'alerts', 'index.js'));
const { Analyzer } = await import(path.join(dist, 'lib', 'analyze', 'analyzer.js'));
const { createDetector } = await import(path.join(dist, 'lib', 'detect', 'index.js'));

const CLIPS = 6;
const work = await mkdtemp(path.join(tmpdir(), 'cctv-bench-analyze-'));
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x);

/** Runs the real `cctv` in `work` with `input` on stdin (the stages read stdin until it ends); resolves with stdout. */
function cctv(args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [path.join(here, '..', 'bin', 'cctv.js'), '--log-level', 'warn', ...args], { cwd: work, maxBuffer: 1 << 24 }, (err, out) =>
      err ? reject(err) : resolve(out));
    child.stdin.end(input);
  });
}

// A real webhook receiver: resolves the waiter of each clip's alert when it arrives.
const arrived = new Map();
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const alert = JSON.parse(body);
    arrived.get(alert.clip)?.(process.hrtime.bigint());
    res.end('ok');
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

try {
  const vtest = await ensureVtest();
  const files = [];
  for (let i = 0; i < CLIPS; i++) {
    const out = path.join(work, `clip${i}.mp4`);
    await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-ss', String(i * 12), '-i', vtest, '-t', '15', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-an', out]);
    files.push(out);
  }
  const dataDir = path.join(work, 'data');
  await mkdir(dataDir, { recursive: true });
  const configFile = path.join(work, 'cctv.config.yaml');
  await writeFile(configFile, `dataDir: ./data\ncameras:\n  front:\n    url: rtsp://127.0.0.1:1/cam\nstorage:\n  url: file://./archive\n`);
  // Setup (not timed): store the clips with the real `cctv upload`.
  const stdout = await cctv(['upload', '--camera', 'front', ...files], '');
  const uploaded = stdout.trim().split('\n').map((l) => JSON.parse(l));

  const config = configSchema.parse({
    dataDir,
    cameras: { front: { url: 'rtsp://127.0.0.1:1/cam' } },
    storage: { url: `file://${path.join(work, 'archive')}` },
    alerts: { cooldownSeconds: 0, webhook: { url: `http://127.0.0.1:${server.address().port}/hook` } },
  });
  const db = openDb(dataDir);
  const storage = openStorage(config.storage.url);
  let t0 = process.hrtime.bigint();
  const detector = await createDetector(config.detect);
  const loadMs = ms(t0);
  const alerter = createAlerter(db, config.alerts);
  const analyzer = new Analyzer({ db, config, storage, alerter, detector });
  const perEvent = [];
  for (const rec of uploaded) {
    t0 = process.hrtime.bigint();
    const alertAt = new Promise((resolve) => arrived.set(rec.url, resolve));
    const analyzed = await analyzer.analyze(rec);
    const analyzedMs = ms(t0);
    const alertMs = analyzed.alert ? Number((await alertAt) - t0) / 1e6 : null;
    perEvent.push({ frames: analyzed.frames, labels: analyzed.labels.map((l) => l.name), alert: analyzed.alert, analyzedMs: round(analyzedMs), alertMs: alertMs === null ? null : round(alertMs) });
  }
  await analyzer.close();
  await alerter.close();
  await detector.close();
  db.close();

  // The whole command once (model load included), over the same records on stdin.
  await rm(path.join(dataDir, 'catalog.db'), { force: true });
  t0 = process.hrtime.bigint();
  await cctv(['analyze'], stdout);
  const commandMs = ms(t0);

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    footage: `vtest.avi, ${CLIPS} clips of 15 s (768x576, 10 fps, H.264), file storage, local detector, defaults (maxFramesPerEvent 5, alerts.on [person])`,
    detectorLoadMs: round(loadMs),
    uploadedToAnalyzedMs: { median: median(perEvent.map((e) => e.analyzedMs)), max: Math.max(...perEvent.map((e) => e.analyzedMs)) },
    uploadedToAlertDeliveredMs: { median: median(perEvent.filter((e) => e.alert).map((e) => e.alertMs)), max: Math.max(...perEvent.filter((e) => e.alert).map((e) => e.alertMs)) },
    framesPerEvent: { median: median(perEvent.map((e) => e.frames)), max: Math.max(...perEvent.map((e) => e.frames)) },
    commandWallMs: { clips: CLIPS, total: round(commandMs), note: 'cctv analyze process over all records, model load and process start included' },
    perEvent,
  };
  await mkdir(path.join(here, 'results'), { recursive: true });
  await writeFile(path.join(here, 'results', 'analyze.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  server.close();
  await rm(work, { recursive: true, force: true });
}
