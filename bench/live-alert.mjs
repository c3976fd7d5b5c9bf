#!/usr/bin/env node
// Live alert benchmark (issue 12): how long after a person appears does the alert arrive?
// - scene: the vtest walkway (Debian's opencv-doc vtest.avi) empty for 45 s — the per-pixel median of the video, nobody
//   in it — then 15 s of the real video with its pedestrians; that minute repeated EVENTS times (640x480, 10 fps,
//   a keyframe every second), cached in bench/tmp/live;
// - camera: the RTSP test camera (test/helpers/rtsp-camera.py) replaying it in real time; it prints the wall-clock
//   moment T each person minute is sent (`--mark 45:60`: the camera records T itself);
// - events: the test ONVIF device raises motion at T + 0.3 s and holds it for 40 s;
// - two real pipelines at once on the same camera and device, each `cctv record` (900 s segments) +
//   `cctv watch-events | cctv upload | cctv analyze` with the local detector and a webhook receiver: live analysis on
//   (the default) and off (alerts.live.maxSessions: 0, 0.1's behaviour);
// - figures: T → alert arrival p50/p95/max, alerts per event, CPU of each analyze process (node + its ffmpeg
//   children, /proc) per event and, for live, per second of live session.
// Run: npm run build && node bench/live-alert.mjs [EVENTS=10]   → bench/results/live-alert.json (~EVENTS + 3 minutes)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin', 'cctv.js');
const { ensureVtest } = await import(path.join(root, 'dist/lib/demo/vtest.js'));
const { emptySceneArgs } = await import(path.join(root, 'dist/lib/ffmpeg/scenes.js'));
const { startOnvifDevice } = await import(path.join(root, 'test/helpers/onvif-device/index.mjs'));

const EVENTS = Number(process.argv[2] ?? 10);
const CYCLE = 60;
const PERSON_AT = 45;
const HOLD_MS = 40_000;
const MOTION_DELAY_MS = 300;
const work = path.join(root, 'bench', 'tmp', 'live');
mkdirSync(work, { recursive: true });
const log = (...a) => console.error(new Date().toISOString().slice(11, 23), ...a);
const ff = (args) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
const quantile = (xs, q) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] : null);
const round = (v, d = 2) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);

// ---------------------------------------------------------------- the scene
const vtest = await ensureVtest();
const walkway = path.join(work, 'walkway-empty.png');
if (!existsSync(walkway)) {
  log('the empty walkway: median of vtest…');
  ff(emptySceneArgs(vtest, `${walkway}.tmp.png`));
  renameSync(`${walkway}.tmp.png`, walkway);
}
const encode = ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-bf', '0', '-pix_fmt', 'yuv420p', '-r', '10'];
const cycle = path.join(work, 'cycle.mp4');
if (!existsSync(cycle)) {
  log('one minute of scene: 45 s empty, 15 s of people…');
  ff(['-loop', '1', '-framerate', '10', '-i', walkway, '-ss', '5', '-t', '15', '-i', vtest,
    '-filter_complex', `[0:v]scale=640:480,setsar=1,trim=duration=${PERSON_AT},noise=alls=6:allf=t,format=yuv420p[a];[1:v]scale=640:480,setsar=1,fps=10,format=yuv420p[b];[a][b]concat=n=2:v=1[v]`,
    '-map', '[v]', ...encode, '-f', 'mp4', `${cycle}.tmp`]);
  renameSync(`${cycle}.tmp`, cycle);
}
const scene = path.join(work, `scene-${EVENTS}.mp4`);
if (!existsSync(scene)) {
  const list = path.join(work, 'list.txt');
  writeFileSync(list, Array.from({ length: EVENTS + 1 }, () => `file '${cycle}'`).join('\n'));
  ff(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+faststart', `${scene}.tmp.mp4`]);
  renameSync(`${scene}.tmp.mp4`, scene);
}

// ---------------------------------------------------------------- the parts
const cleanups = [];
const cleanup = async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
};
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
process.on('uncaughtException', (err) => {
  console.error(err);
  cleanup().then(() => process.exit(1));
});

function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ at: Date.now(), body: JSON.parse(body) });
      res.end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    cleanups.push(() => new Promise((r) => server.close(r)));
    resolve({ url: `http://127.0.0.1:${server.address().port}/hook`, got });
  }));
}

const port = 20000 + Math.floor(Math.random() * 20000);
const marks = [];
const camera = spawn('/usr/bin/python3', [path.join(root, 'test/helpers/rtsp-camera.py'), String(port), '--file', scene, '--mounts', '1', '--mark', `${PERSON_AT}:${CYCLE}`], { stdio: ['ignore', 'pipe', 'inherit'] });
cleanups.push(() => camera.kill('SIGKILL'));
await new Promise((resolve, reject) => {
  camera.stdout.setEncoding('utf8').on('data', (d) => {
    for (const line of d.split('\n')) {
      if (line.startsWith('READY')) resolve();
      if (line.startsWith('MARK ')) marks.push(Number(line.slice(5)));
    }
  });
  camera.once('exit', (code) => reject(new Error(`camera exited ${code}`)));
});
const device = await startOnvifDevice({ profile: 'hikvision' });
cleanups.push(() => device.close());

function procCpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime stime cutime cstime (fields 14-17, here from index 11)
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return null;
  }
}
/** The node processes of a pipeline's analyze stage and their live ffmpeg children. */
function analyzeCpu(dir) {
  const pids = execFileSync('pgrep', ['-f', `${dir}/cctv.config.json --log-level debug analyze`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  let total = 0;
  for (const pid of pids) {
    total += procCpuSeconds(pid) ?? 0;
    const kids = (() => { try { return execFileSync('pgrep', ['-P', pid], { encoding: 'utf8' }).trim().split('\n').filter(Boolean); } catch { return []; } })();
    for (const k of kids) total += procCpuSeconds(k) ?? 0;
  }
  return total;
}

async function pipeline(name, live) {
  const dir = path.join(work, `run-${name}`);
  execFileSync('rm', ['-rf', dir]);
  mkdirSync(dir, { recursive: true });
  const hook = await receiver();
  writeFileSync(path.join(dir, 'cctv.config.json'), JSON.stringify({
    dataDir: path.join(dir, 'data'),
    cameras: { front: { url: `rtsp://127.0.0.1:${port}/cam0`, onvif: { host: '127.0.0.1', port: device.port, username: 'admin', password: 'secret' } } },
    record: { segmentSeconds: 900 },
    alerts: { on: ['person'], cooldownSeconds: 30, webhook: { url: hook.url }, publicUrl: 'http://nvr.local:8080', live: { maxSessions: live ? 1 : 0 } },
  }));
  const cli = `${process.execPath} ${BIN} --config ${dir}/cctv.config.json`;
  const logFile = path.join(dir, 'pipeline.log');
  const rec = spawn('sh', ['-c', `${cli} record 2>${dir}/record.log`], { detached: true, stdio: 'ignore' });
  const pipe = spawn('sh', ['-c', `${cli} watch-events | ${cli} upload | ${cli} --log-level debug analyze > ${dir}/records.ndjson 2>${logFile}`], { detached: true, stdio: 'ignore' });
  for (const p of [rec, pipe]) cleanups.push(() => { try { process.kill(-p.pid, 'SIGINT'); } catch {} return new Promise((r) => setTimeout(r, 3000)); });
  return { name, dir, hook, logFile };
}

const on = await pipeline('live-on', true);
const off = await pipeline('live-off', false);
log('pipelines started; waiting for the first person minute…');
// Warm-up: recorders connect (the file starts playing at the first connection), analyze loads the detector.
await new Promise((r) => setTimeout(r, 20_000));
const cpu0 = { on: analyzeCpu(on.dir), off: analyzeCpu(off.dir) };
const t0 = Date.now();

// ---------------------------------------------------------------- the events
const events = [];
for (let i = 0; i < EVENTS; i++) {
  while (marks.length <= i + 0) await new Promise((r) => setTimeout(r, 20));
  const T = marks[i];
  const raise = T + MOTION_DELAY_MS - Date.now();
  if (raise < 0) log(`event ${i}: late by ${-raise} ms`);
  await new Promise((r) => setTimeout(r, Math.max(0, raise)));
  const motionAt = device.trigger('motion', true);
  log(`event ${i}: person shown at ${new Date(T).toISOString()}, motion raised ${motionAt - T} ms later`);
  await new Promise((r) => setTimeout(r, HOLD_MS));
  device.trigger('motion', false);
  events.push({ T, motionAt });
}
// The last end-of-event analyses: merge gap + post-roll + cut + analysis.
await new Promise((r) => setTimeout(r, 45_000));
const elapsed = (Date.now() - t0) / 1000;
const cpu1 = { on: analyzeCpu(on.dir), off: analyzeCpu(off.dir) };

// ---------------------------------------------------------------- figures
function figures(p) {
  // Each alert belongs to the event it names: the person minute last shown before that event started.
  const starts = new Map(readFileSync(path.join(p.dir, 'records.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'event').map((r) => [r.id, Date.parse(r.start)]));
  const delays = [];
  const perEvent = events.map(() => 0);
  for (const a of p.hook.got) {
    const start = starts.get(a.body.eventId);
    const i = start === undefined ? -1 : events.findLastIndex((e) => e.T <= start);
    if (i < 0) continue;
    perEvent[i]++;
    if (perEvent[i] === 1) delays.push((a.at - events[i].T) / 1000);
  }
  return {
    events: events.length,
    alerts: p.hook.got.length,
    alertsPerEvent: perEvent,
    eventsWithExactlyOneAlert: perEvent.filter((n) => n === 1).length,
    personToAlertSeconds: { p50: round(quantile(delays, 0.5)), p95: round(quantile(delays, 0.95)), max: round(Math.max(...delays)), all: delays.map((d) => round(d)) },
  };
}
const sessions = readFileSync(on.logFile, 'utf8').split('\n').filter((l) => l.includes('live: session ended')).map((l) => JSON.parse(l));
const sessionSeconds = sessions.reduce((s, l) => s + l.ms / 1000, 0);
const samples = readFileSync(on.logFile, 'utf8').split('\n').filter((l) => l.includes('live: sample')).map((l) => JSON.parse(l));
const firstSamples = [...new Map(samples.map((s) => [s.event, s])).values()].length ? [...samples.reduce((m, s) => (m.has(s.event) ? m : m.set(s.event, s)), new Map()).values()] : [];
const result = {
  when: new Date().toISOString(),
  machine: { cores: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg().map((x) => round(x)) },
  setup: {
    scene: `vtest walkway empty ${PERSON_AT} s, then 15 s of vtest pedestrians; 640x480 10 fps H.264, keyframe every 1 s; RTSP test camera (--mark: T sent by the camera)`,
    motion: `test ONVIF device (hikvision profile): raised at T + ${MOTION_DELAY_MS / 1000} s, held ${HOLD_MS / 1000} s`,
    pipeline: 'cctv record (900 s mkv segments) + cctv watch-events | cctv upload | cctv analyze, local detector, webhook receiver on loopback; live on and off run at the same time on the same camera',
    confirm: 'person in 2 of the last 3 samples at >= detect.minConfidence 0.6, or once at >= 0.85; a sample every 0.25 s for 3 s, then every 0.5 s',
  },
  liveOn: {
    ...figures(on),
    detectSeconds: { p50: round(quantile(samples.map((s) => s.detectMs / 1000), 0.5)), p95: round(quantile(samples.map((s) => s.detectMs / 1000), 0.95)) },
    firstSampleAfterEventStartSeconds: { p50: round(quantile(firstSamples.map((s) => s.sinceStartMs / 1000), 0.5)), max: round(Math.max(...firstSamples.map((s) => s.sinceStartMs / 1000))) },
    sessions: sessions.length, sessionSeconds: round(sessionSeconds, 1), sessionEnds: Object.fromEntries(['decided', 'ended', 'time-limit', 'stopped'].map((r) => [r, sessions.filter((s) => s.reason === r).length])) },
  liveOff: figures(off),
  cpu: {
    windowSeconds: round(elapsed, 1),
    analyzeLiveOnSeconds: round(cpu1.on - cpu0.on, 1),
    analyzeLiveOffSeconds: round(cpu1.off - cpu0.off, 1),
    extraPerEventSeconds: round((cpu1.on - cpu0.on - (cpu1.off - cpu0.off)) / events.length, 2),
    extraShareOfACoreDuringSessions: sessionSeconds > 0 ? round((cpu1.on - cpu0.on - (cpu1.off - cpu0.off)) / sessionSeconds, 3) : null,
  },
  goal: 'p95 <= 2 s on loopback, exactly one alert per event',
};
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'results', 'live-alert.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await cleanup();
process.exit(0);
