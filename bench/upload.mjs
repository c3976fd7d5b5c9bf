// Benchmark of `cctv upload` (run `npx tsc -p tsconfig.json` first; needs ffmpeg, rclone, GStreamer RTSP, s3rver).
//   node bench/upload.mjs            → bench/results/upload.json
// 1. latency: a live RTSP test camera recorded by `cctv record` with 900 s segments; `cctv upload` reads end events
//    on a pipe; time from the window's end (end + postRoll) and from the `end` record to the `uploaded` record.
// 2. throughput: the same clip files stored by `cctv upload FILE...`, by cctv's storage library alone (raw transfer)
//    and by rclone, 4 transfers each, to the same s3rver, same run; REPS (3) alternating rounds, medians.
// 3. bytes per event: clip against the 900 s segments `upload.mode: segment` would store.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(root, 'bin/cctv.js');
const EVENTS = Number(process.env.EVENTS ?? 20);
const FILES = Number(process.env.FILES ?? 24);
const REPS = Number(process.env.REPS ?? 3);
const step = (m) => process.stderr.write(`[bench] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(path.join(tmpdir(), 'cctv-bench-'));

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function startS3() {
  const S3RVER = createRequire(import.meta.url).resolve('@20minutes/s3rver');
  const dir = path.join(work, 's3');
  mkdirSync(dir);
  const code = `const S3rver = require(${JSON.stringify(S3RVER)});
new S3rver({ address: '127.0.0.1', port: 0, directory: ${JSON.stringify(dir)}, silent: true, configureBuckets: [{ name: 'bench' }] })
  .run().then((a) => console.log(a.port));`;
  const proc = spawn(process.execPath, ['--openssl-legacy-provider', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((r) => proc.stdout.once('data', (d) => r(Number(String(d).trim()))));
  return { proc, endpoint: `http://127.0.0.1:${port}` };
}

async function startCamera() {
  const port = await freePort();
  const proc = spawn('/usr/bin/python3', [path.join(root, 'test/helpers/rtsp-camera.py'), String(port), '--audio', 'pcma', '--size', '1280x720', '--fps', '25', '--gop', '50', '--bitrate', '2000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => createInterface({ input: proc.stdout }).on('line', (l) => l.startsWith('READY') && resolve()));
  return { proc, url: `rtsp://127.0.0.1:${port}/cam` };
}

function project(name, config) {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'cctv.config.json'), JSON.stringify(config));
  return dir;
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const summary = (xs) => ({ n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs) });

const s3 = await startS3();
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
const storage = (prefix) => ({ url: `s3://bench/${prefix}`, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, checksums: 'when_required' });
const result = { date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}` };
let camera;
const children = [];
try {
  // ---- 1. latency with 900 s segments ----
  step('starting camera');
  camera = await startCamera();
  step('camera ready');
  const pre = 2, post = 3;
  const dir = project('latency', {
    dataDir: './data', cameras: { front: { url: camera.url } }, record: { segmentSeconds: 900, format: 'mkv' },
    events: { preRollSeconds: pre, postRollSeconds: post }, storage: storage('latency'), upload: { concurrency: 2 },
  });
  const record = spawn(process.execPath, [BIN, 'record'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'ignore'] });
  children.push(record);
  await sleep(8000);
  const upload = spawn(process.execPath, [BIN, 'upload'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'ignore'] });
  children.push(upload);
  const sent = new Map();
  const fromWindowEnd = [], fromEndRecord = [], clipBytes = [];
  createInterface({ input: upload.stdout }).on('line', (line) => {
    const r = JSON.parse(line);
    if (r.kind !== 'uploaded') return;
    const s = sent.get(r.eventId);
    fromWindowEnd.push(Date.now() - (s.end + post * 1000));
    fromEndRecord.push(Date.now() - s.at);
    clipBytes.push(r.bytes);
  });
  for (let i = 0; i < EVENTS; i++) {
    const end = Date.now();
    const start = end - 4000;
    const id = `lat-${i}`;
    sent.set(id, { end, at: Date.now() });
    const iso = (t) => new Date(t).toISOString();
    upload.stdin.write(JSON.stringify({ v: 1, kind: 'event', id, camera: 'front', state: 'end', at: iso(end), start: iso(start), end: iso(end), labels: ['motion'], source: 'manual' }) + '\n');
    await sleep(1500);
  }
  upload.stdin.end();
  step('events sent');
  await new Promise((r) => upload.once('close', r));
  record.kill('SIGINT');
  await new Promise((r) => record.once('close', r));
  const segDir = path.join(dir, 'data/recordings/front');
  const segs = readdirSync(segDir, { recursive: true }).filter((f) => String(f).endsWith('.mkv')).map((f) => path.join(segDir, String(f)));
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', segs[0]]);
  const segBytesPerSecond = statSync(segs[0]).size / Number(stdout.trim());
  const windowSeconds = 4 + pre + post;
  const meanClip = clipBytes.reduce((a, b) => a + b, 0) / clipBytes.length;
  // An event window touches one 900 s segment, or two when it spans a boundary (probability window/900).
  const segmentModePerEvent = segBytesPerSecond * 900 * (1 + windowSeconds / 900);
  result.latency = {
    segmentSeconds: 900, camera: '1280x720 25 fps H.264 2 Mb/s + G.711', windowSeconds, events: EVENTS,
    msFromWindowEnd: summary(fromWindowEnd), msFromEndRecord: summary(fromEndRecord),
  };
  result.bytesPerEvent = { clipMode: Math.round(meanClip), segmentMode: Math.round(segmentModePerEvent), ratio: Math.round(segmentModePerEvent / meanClip) };

  step('latency done');
  // ---- 2. throughput against rclone ----
  const files = path.join(work, 'files');
  mkdirSync(files);
  const one = path.join(files, 'clip-00.mp4');
  await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-f', 'lavfi', '-i', 'sine',
    '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '2500k', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', one]);
  for (let i = 1; i < FILES; i++) copyFileSync(one, path.join(files, `clip-${String(i).padStart(2, '0')}.mp4`));
  const totalBytes = statSync(one).size * FILES;
  const names = readdirSync(files).map((f) => path.join(files, f));
  const renv = { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_S3_PROVIDER: 'Other', RCLONE_S3_ACCESS_KEY_ID: 'S3RVER', RCLONE_S3_SECRET_ACCESS_KEY: 'S3RVER', RCLONE_S3_ENDPOINT: s3.endpoint, RCLONE_S3_FORCE_PATH_STYLE: 'true' };
  delete renv.AWS_CA_BUNDLE;
  const timed = async (run) => {
    const t = Date.now();
    await run();
    return Date.now() - t;
  };
  const exited = (proc, what) => new Promise((resolve, reject) => proc.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${what} failed`)))));
  // The three take turns, REPS rounds (machines here are shared: one round is noisy); each figure is the median.
  const runs = { cctv: [], raw: [], rawSteady: [], rclone: [] };
  for (let rep = 0; rep < REPS; rep++) {
    // A fresh project each round: the outbox remembers files already stored.
    const tdir = project(`throughput-${rep}`, { dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:1/x' } }, storage: storage(`cctv-${rep}`), upload: { concurrency: 4 } });
    runs.cctv.push(await timed(() => exited(spawn(process.execPath, [BIN, 'upload', ...names], { cwd: tdir, env, stdio: ['ignore', 'ignore', 'inherit'] }), 'cctv upload'))); // stdin at end: drain and exit
    // cctv's transfer path alone, as a process of its own: the storage library `cctv upload` stores with (S3 put with
    // sha256 metadata + verification, the same retry wrapper), the same files, 4 puts in flight, nothing else.
    const raw = `const { openStorage, withRetry } = await import(${JSON.stringify(path.join(root, 'dist/lib/storage/index.js'))});
      const s = withRetry(openStorage('s3://bench/raw-${rep}', ${JSON.stringify({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, checksums: 'when_required' })}), { retries: 2, baseDelayMs: 300, maxDelayMs: 2000 });
      const q = ${JSON.stringify(names)};
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 4 }, async () => {
        for (let f; (f = q.shift()); ) await s.put(f.split('/').pop(), { path: f }, { contentType: 'video/mp4', sha256Metadata: true, metadata: { camera: 'front' } });
      }));
      process.stdout.write(String(Date.now() - t0));`;
    let steady = '';
    runs.raw.push(await timed(() => {
      const proc = spawn(process.execPath, ['--input-type=module', '-e', raw], { env: { ...env, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
      proc.stdout.on('data', (d) => (steady += d));
      return exited(proc, 'raw transfer');
    }));
    // The same transfers without the process start (Node + AWS SDK load): what a running `cctv upload` sustains.
    runs.rawSteady.push(Number(steady));
    runs.rclone.push(await timed(() => exec('rclone', ['copy', '--transfers', '4', files, `:s3:bench/rclone-${rep}`], { env: renv })));
  }
  const median = (xs) => pct(xs, 50);
  const cctvMs = median(runs.cctv), rawMs = median(runs.raw), rawSteadyMs = median(runs.rawSteady), rcloneMs = median(runs.rclone);
  const MBps = (ms) => +(totalBytes / 1e6 / (ms / 1000)).toFixed(2);
  result.throughput = {
    files: FILES, bytesPerFile: statSync(one).size, concurrency: 4,
    cctvMBps: MBps(cctvMs), rawMBps: MBps(rawMs), rawSteadyMBps: MBps(rawSteadyMs), rcloneMBps: MBps(rcloneMs),
    ratio: +(rcloneMs / cctvMs).toFixed(2), rawRatio: +(rcloneMs / rawMs).toFixed(2), rawSteadyRatio: +(rcloneMs / rawSteadyMs).toFixed(2),
    cctvMs, rawMs, rawSteadyMs, rcloneMs, runsMs: runs,
    note: 'ratio: `cctv upload FILE...` end to end (starts, opens the catalog, probes each file, stores it with sha256 metadata verified by HeadObject + tags, makes and stores a poster, stores a manifest, records the upload); rawRatio: the same files through the storage library alone (put + verification, no poster/manifest/tags/catalog), a process of its own like rclone; rawSteadyRatio: the same transfers timed inside that process, without Node + AWS SDK start-up (the start-up of rclone stays in its figure); rclone copy --transfers 4 (PUT + HEAD per file)',
  };
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  camera?.proc.kill('SIGKILL');
  s3.proc.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(path.join(root, 'bench/results/upload.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
