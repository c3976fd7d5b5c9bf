// Benchmark of `cctv upload` (run `npx tsc -p tsconfig.json` first; needs ffmpeg, rclone, GStreamer RTSP, s3rver).
//   node bench/upload.mjs            → bench/results/upload.json
// 1. latency: a live RTSP test camera recorded by `cctv record` with 900 s segments; `cctv upload` reads end events
//    on a pipe; time from the window's end (end + postRoll) and from the `end` record to the `uploaded` record.
// 2. throughput: the same clip files stored by `cctv upload FILE...` and by rclone, to the same s3rver, same run.
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
  const tdir = project('throughput', { dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:1/x' } }, storage: storage('cctv'), upload: { concurrency: 4 } });
  const names = readdirSync(files).map((f) => path.join(files, f));
  let t = Date.now();
  const up = spawn(process.execPath, [BIN, 'upload', ...names], { cwd: tdir, env, stdio: ['ignore', 'ignore', 'inherit'] }); // stdin at end: drain and exit
  if ((await new Promise((r) => up.once('close', r))) !== 0) throw new Error('cctv upload failed');
  const cctvMs = Date.now() - t;
  const renv = { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_S3_PROVIDER: 'Other', RCLONE_S3_ACCESS_KEY_ID: 'S3RVER', RCLONE_S3_SECRET_ACCESS_KEY: 'S3RVER', RCLONE_S3_ENDPOINT: s3.endpoint, RCLONE_S3_FORCE_PATH_STYLE: 'true' };
  delete renv.AWS_CA_BUNDLE;
  t = Date.now();
  await exec('rclone', ['copy', '--transfers', '4', files, ':s3:bench/rclone'], { env: renv });
  const rcloneMs = Date.now() - t;
  result.throughput = {
    files: FILES, bytesPerFile: statSync(one).size, concurrency: 4,
    cctvMBps: +(totalBytes / 1e6 / (cctvMs / 1000)).toFixed(2), rcloneMBps: +(totalBytes / 1e6 / (rcloneMs / 1000)).toFixed(2),
    ratio: +(rcloneMs / cctvMs).toFixed(2), cctvMs, rcloneMs,
    note: 'cctv also probes each file, makes and stores a poster and a manifest, and verifies sha256; rclone only copies',
  };
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  camera?.proc.kill('SIGKILL');
  s3.proc.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(path.join(root, 'bench/results/upload.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
