// Benchmark of the web app's live view (run `npm run build` first): `node bench/live.mjs [seconds per phase]`.
// The real RTSP test camera (test/helpers/rtsp-camera.py --stamp) burns the wall clock into every picture; `cctv serve`
// (dist/) relays it; Chromium plays it through Media Source Extensions and reads the clock back from each frame shown
// (test/helpers/stamp.mjs): glass-to-glass latency = the frame's display time − the time the camera made it.
// Measures, on loopback: time to the first frame of the grid; latency p50/p95 in the grid (sub stream) and full
// screen (main stream); CPU (server process + its live ffmpegs, % of one core) with 1 and with 10 viewers of one
// camera (HTTP viewers reading the fMP4 stream as a browser does), and the number of ffmpegs they cost.
// Results go to bench/results/live.json.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { openDb } from '../dist/lib/catalog/db.js';
import { sqliteEventCatalog } from '../dist/lib/catalog/sqlite-event-catalog.js';
import { configSchema } from '../dist/lib/config/schema.js';
import { startServe } from '../dist/lib/serve/index.js';
import { sampleLatency } from '../test/helpers/stamp.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const PHASE_S = Number(process.argv[2] ?? 15);
const FPS = 25;

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

// ---- the camera: 640x360 at 25 fps, a keyframe every second, the clock in the picture ----
const port = await freePort();
const cam = spawn('/usr/bin/python3', [path.join(root, 'test/helpers/rtsp-camera.py'), String(port), '--size', '640x360', '--fps', String(FPS), '--gop', String(FPS), '--stamp'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  createInterface({ input: cam.stdout }).on('line', (l) => (l.startsWith('READY') ? resolve() : l.startsWith('ERROR') && reject(new Error(l))));
  cam.once('exit', (c) => reject(new Error(`camera exited ${c}`)));
});
const url = `rtsp://127.0.0.1:${port}/cam`;

const dir = mkdtempSync(path.join(tmpdir(), 'cctv-bench-live-'));
const db = openDb(dir);
const config = configSchema.parse({
  dataDir: dir,
  cameras: { yard: { url, subUrl: url }, gate: { url } },
  storage: { url: `file://${path.join(dir, 'archive')}` },
  serve: { limits: { liveSessions: 64, liveSessionsPerUser: 64 } },
});
const server = await startServe({ config, catalog: sqliteEventCatalog(db), host: '127.0.0.1', port: 0, liveLingerMs: 1000 });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]) : null;
};
const summary = (xs) => ({ samples: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: xs.length ? Math.round(Math.max(...xs)) : null });

/** The ffmpeg processes reading the camera (the live sources). */
const ffmpegPids = () => execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')
  .filter((l) => / ffmpeg /.test(` ${l.trim().split(/\s+/).slice(1).join(' ')} `) && l.includes(url)).map((l) => Number(l.trim().split(/\s+/)[0]));
/** utime+stime of pid in clock ticks (0 when gone). */
const ticks = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
};
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
/** CPU (% of one core) of this process (the server) and the live ffmpegs over `seconds`. */
async function cpu(seconds) {
  const pids = ffmpegPids();
  const before = { self: process.cpuUsage(), ff: pids.map(ticks) };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const self = process.cpuUsage(before.self);
  const ff = pids.map(ticks).reduce((a, t, i) => a + t - before.ff[i], 0) / HZ;
  return { server: Math.round(((self.user + self.system) / 1e6 / seconds) * 1000) / 10, ffmpeg: Math.round((ff / seconds) * 1000) / 10, ffmpegs: pids.length };
}

// ---- 1. the grid: first frame, then latency (yard's sub stream) ----
const t0 = Date.now();
await page.goto(`${server.url}/#/live`);
await page.waitForFunction(() => [...document.querySelectorAll('video.live-video')].filter((v) => v.readyState >= 2 && v.currentTime > 0).length === 2, null, { timeout: 60_000 });
const firstFrameMs = Date.now() - t0;
const grid = await page.evaluate(sampleLatency, { selector: 'video.live-video[data-camera="yard"]', samples: PHASE_S * FPS, timeoutMs: PHASE_S * 1000 });

// ---- 2. full screen (main stream) ----
await page.click('.live-card[data-camera="yard"]');
await page.waitForFunction(() => {
  const v = document.querySelector('#live-full-video');
  return !!v && v.readyState >= 2 && v.currentTime > 0;
}, null, { timeout: 60_000 });
const full = await page.evaluate(sampleLatency, { selector: '#live-full-video', samples: PHASE_S * FPS, timeoutMs: PHASE_S * 1000 });
await page.goto(`${server.url}/#/events`);
await new Promise((r) => setTimeout(r, 3000)); // past the linger: the live ffmpegs stop

// ---- 3. CPU with 1 and 10 HTTP viewers of one camera ----
async function viewers(n) {
  const acs = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const ac = new AbortController();
    acs.push(ac);
    const res = await fetch(`${server.url}/media/live/yard.mp4`, { signal: ac.signal });
    if (res.status !== 200) throw new Error(`viewer ${i}: ${res.status}`);
    void (async () => {
      try {
        for await (const chunk of res.body) bytes += chunk.length;
      } catch {
        // aborted at the end
      }
    })();
  }
  await new Promise((r) => setTimeout(r, 3000)); // settled
  const c = await cpu(PHASE_S);
  for (const ac of acs) ac.abort();
  await new Promise((r) => setTimeout(r, 3000));
  return { viewers: n, ...c, mbitPerViewer: Math.round((bytes * 8) / n / (PHASE_S + 3) / 1e4) / 100 };
}
const one = await viewers(1);
const ten = await viewers(10);

const chromiumVersion = browser.version();
await browser.close();
await server.close();
cam.kill('SIGKILL');
db.close();
rmSync(dir, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  machine: `${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, ${execFileSync('sh', ['-c', 'uname -sr'], { encoding: 'utf8' }).trim()}`,
  chromium: chromiumVersion,
  camera: `test camera 640x360 H.264 ${FPS} fps, keyframe every 1 s, clock burned in`,
  goal: 'live video < 1000 ms glass to glass (p50 and p95), on loopback',
  firstFrameMs,
  latencyMs: { grid: summary(grid), fullScreen: summary(full) },
  cpu: [one, ten],
  note: 'CPU in % of one core; server = the Node process serving (and this benchmark driver), ffmpeg = the copy-only live ffmpegs',
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/live.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
