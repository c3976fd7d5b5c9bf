#!/usr/bin/env node
// Benchmark of `cctv record` (issue 2): CPU and memory per camera with `-c copy` for 1, 4 and 16 simultaneous
// 1080p25 H.264 cameras (4 Mbit/s, keyframe every 2 s), and frames lost at segment boundaries.
// Cameras: one GStreamer RTSP server replaying a pre-encoded 1080p file on N mounts in real time (no encoding, so the
// cameras cost little CPU and the measurement is of cctv + its ffmpeg processes only).
// Run: npm run build && node bench/record.mjs [seconds=60]   → bench/results/record.json
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 60);
const warmup = 8;
const tick = 100; // USER_HZ on Linux
const tmp = path.join(root, 'bench', 'tmp');
mkdirSync(tmp, { recursive: true });
const source = path.join(tmp, 'cam1080.mp4');
if (!existsSync(source)) {
  console.error('encoding the 1080p source clip once (about 20 s)…');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', '100', '-c:v', 'libx264',
    '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '50', '-b:v', '4M', '-pix_fmt', 'yuv420p', source]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuTicks = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
};
const rssKb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return 0;
  }
};
const children = (pid) => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const tree = (pid) => [pid, ...children(pid)];

async function run(n) {
  const port = 19000 + n;
  const cams = spawn('/usr/bin/python3', [path.join(root, 'test/helpers/rtsp-camera.py'), String(port), '--file', source, '--mounts', String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => cams.stdout.on('data', (d) => String(d).includes('READY') && resolve()));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-bench-record-'));
  const cameras = Object.fromEntries(Array.from({ length: n }, (_, i) => [`cam${i}`, { url: `rtsp://127.0.0.1:${port}/cam${i}` }]));
  writeFileSync(path.join(dir, 'cctv.config.json'), JSON.stringify({ dataDir: './data', cameras, record: { segmentSeconds: 10 } }));
  const rec = spawn(process.execPath, [path.join(root, 'bin/cctv.js'), 'record'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(warmup * 1000);
  const pids = tree(rec.pid);
  const before = pids.map(cpuTicks);
  const t0 = Date.now();
  let rssPeak = 0;
  while (Date.now() - t0 < (seconds - warmup) * 1000) {
    await sleep(2000);
    rssPeak = Math.max(rssPeak, pids.reduce((a, p) => a + rssKb(p), 0));
  }
  const after = pids.map(cpuTicks);
  const wall = (Date.now() - t0) / 1000;
  const nodeCpu = (after[0] - before[0]) / tick / wall;
  const ffCpu = after.slice(1).reduce((a, t, i) => a + (t - before[i + 1]), 0) / tick / wall;
  rec.kill('SIGINT');
  await new Promise((r) => rec.once('exit', r));
  cams.kill('SIGTERM');

  // Frames lost at boundaries: per camera, compare the frames in every closed segment with its catalogued duration.
  const db = new Database(path.join(dir, 'data', 'catalog.db'), { readonly: true });
  const segs = db.prepare('SELECT camera, path, start_ms, end_ms FROM segments WHERE closed = 1 ORDER BY camera, start_ms').all();
  db.close();
  let lostFrames = 0;
  let maxGapMs = 0;
  let boundaries = 0;
  for (const [i, s] of segs.entries()) {
    const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path.join(dir, 'data', s.path)], { encoding: 'utf8' }).trim());
    lostFrames += Math.max(0, Math.round(((s.end_ms - s.start_ms) / 1000) * 25) - frames);
    const prev = segs[i - 1];
    if (prev && prev.camera === s.camera) {
      boundaries++;
      maxGapMs = Math.max(maxGapMs, s.start_ms - prev.end_ms);
    }
  }
  return {
    cameras: n,
    seconds: Math.round(wall),
    cpuPerCameraPercent: Math.round(((nodeCpu + ffCpu) / n) * 10000) / 100,
    cpuNodePercent: Math.round(nodeCpu * 10000) / 100,
    cpuFfmpegTotalPercent: Math.round(ffCpu * 10000) / 100,
    rssPeakMb: Math.round(rssPeak / 1024),
    segments: segs.length,
    boundaries,
    maxBoundaryGapMs: maxGapMs,
    framesLostAtBoundaries: lostFrames,
  };
}

const results = [];
for (const n of [1, 4, 16]) {
  const r = await run(n);
  console.error(JSON.stringify(r));
  results.push(r);
}
const out = {
  benchmark: 'record',
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  stream: '1920x1080 25 fps H.264 4 Mbit/s, keyframe every 2 s, RTSP over TCP, 10 s segments, mkv',
  goal: '<= 2% of a core per camera; zero frames lost at segment boundaries',
  results,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/record.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
