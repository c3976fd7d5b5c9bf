#!/usr/bin/env node
// Benchmark of the software motion source (issue 19), against a naive frame difference, on real footage with
// synthetic light changes:
// - footage: Debian's opencv-doc (vtest.avi pedestrians, tree.avi a waving tree, building.jpg and home.jpg stills),
//   fetched once into ~/.cache/cctv; the empty walkway is the per-pixel median of vtest (nobody stays);
// - scenes (cached in bench/tmp/motion): each background × each light change (steady, sun, clouds, ir, flicker,
//   shadow), 120 s at 640x480 10 fps H.264; with people: the walkway where vtest's people appear for 8 s every 20 s;
// - false events per hour on scenes without people, recall and delay on scenes with people, for cctv's motion
//   (the product's decoder arguments and MotionDetector, default settings) and two baselines in the same run:
//   `motion` (the motion daemon's default rule: a pixel changed when it differs from a reference frame by more than
//   noise_level 32, motion when more than threshold 1500 of 640x480 pixels = 0.49 % did; reference updated like
//   motion's alg_update_reference_frame; every frame) and `frame difference` (cctv 0.1's demo source: 64x36 pictures
//   4 times a second, a pixel changed by more than 20, motion when 0.3 % did);
// - end to end with detector confirmation: the local detector on frames of each motion event (every 0.5 s for up to
//   3 s), alert when `person` is confirmed (src/lib/detect/confirm.ts: 2 of the last 3 samples, or once at 0.85);
// - CPU per camera of the real source (watchMotion: ffmpeg + Node) on RTSP cameras replaying vtest in real time:
//   a 640x360 10 fps sub stream (every frame; also at 2 samples a second), a 640x360 5 fps one, a 1080p25 main stream
//   (keyframes only, and every frame for scale), and the same main stream recorded by a real `cctv record` with the
//   source reading its growing segments (events.motion.input: recording).
// Run: npm run build && node bench/motion.mjs [--no-cpu] [--no-detector]   → bench/results/motion.json (~25 min; the
// scenes are generated once, ~12 min, into bench/tmp/motion)
//      node bench/motion.mjs --cpu-only   → bench/results/motion-cpu.json (~10 min): the recording against the
// streams, alternating, 900 s segments (and 10 s ones, for what a segment switch costs), with the load average
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', 'lib', p));
const { ensureOpencvData, ensureVtest } = await dist('demo/vtest.js');
const { LIGHT_CHANGES, emptySceneArgs, peopleAppear, sceneArgs } = await dist('ffmpeg/scenes.js');
const { motionDecodeArgs } = await dist('ffmpeg/motion.js');
const { MOTION_HEIGHT, MOTION_WIDTH, MotionDetector } = await dist('motion/detector.js');
const { motionDefaultsSchema, resolveMotion } = await dist('motion/config.js');
const { watchMotion } = await dist('motion/source.js');
const { EventTracker } = await dist('events/tracker.js');
const { createDetector, detectConfigSchema } = await dist('detect/index.js');
const { extractFrames } = await dist('ffmpeg/frames.js');
const { confirmedLabels, DEFAULT_CONFIRM } = await dist('detect/confirm.js');

const flags = new Set(process.argv.slice(2));
const work = path.join(root, 'bench', 'tmp', 'motion');
mkdirSync(work, { recursive: true });
const SECONDS = 120;
const FPS = 10;
const MERGE_GAP_MS = 5000;
const DEFAULTS = motionDefaultsSchema.parse({});
const SETTINGS = resolveMotion(DEFAULTS, { url: 'file:///x', motion: { enabled: true, zones: [], masks: [] } });
const log = (...a) => console.error(...a);
const MACHINE = `${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}`;
const round = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
const quantile = (xs, q) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] : null);

// ---------------------------------------------------------------- CPU per camera, real time
const vtest = await ensureVtest();
const cpuTicks = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
};
const children = () => {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const descendants = (pid) => {
  try {
    const kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
    return kids.flatMap((k) => [k, ...descendants(k)]);
  } catch {
    return [];
  }
};
const load = () => os.loadavg().map((l) => round(l, 1));
/** CPU ticks of this process's children that have exited and been waited for (the recording input ends one ffmpeg per segment). */
const reapedTicks = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return Number(f[13]) + Number(f[14]);
};
/** The motion decoders' CPU ticks so far: those running (children but the camera server and the recorder) and those gone. */
const decoderTicks = (skip) => children().filter((pid) => !skip.includes(pid)).reduce((a, pid) => a + cpuTicks(pid), 0) + reapedTicks();

/**
 * One CPU measurement: `cameras` RTSP cameras replaying `file`, each watched by the real source (watchMotion in this
 * process: ffmpeg + Node). `input: 'stream'` decodes the camera's stream (a second RTSP session beside the recorder);
 * `input: 'recording'` has a real `cctv record` (another process, not counted: it runs anyway) record the cameras
 * (segments of `segmentSeconds`: the default 900 s, so usually no switch in the minute measured; 10 s to measure what
 * a switch costs) and the source reads its growing files.
 */
async function cpuRun(name, file, cameras, decode, { samplesPerSecond = DEFAULTS.samplesPerSecond, input = 'stream', segmentSeconds = 900, seconds = 60, warmup = 8 } = {}) {
  const port = 19500 + Math.floor(Math.random() * 400);
  const server = spawn('/usr/bin/python3', [path.join(root, 'test/helpers/rtsp-camera.py'), String(port), '--file', file, '--mounts', String(cameras)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => server.stdout.on('data', (d) => String(d).includes('READY') && resolve()));
  const url = (i) => `rtsp://127.0.0.1:${port}/cam${i}`;
  let recorder = null;
  const dataDir = path.join(work, `cpu-recordings-${port}`);
  if (input === 'recording') {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const config = path.join(dataDir, 'cctv.config.json');
    writeFileSync(config, JSON.stringify({ dataDir, cameras: Object.fromEntries(Array.from({ length: cameras }, (_, i) => [`cam${i}`, { url: url(i) }])), record: { segmentSeconds } }));
    recorder = spawn(process.execPath, [path.join(root, 'bin/cctv.js'), '--config', config, 'record'], { stdio: ['ignore', 'ignore', 'ignore'] });
    const { newestRecording } = await dist('motion/recording.js');
    for (let t = 0; Array.from({ length: cameras }, (_, i) => newestRecording(dataDir, `cam${i}`)).some((f) => f === null); t++) {
      if (t > 200) throw new Error('the recorder wrote nothing in 20 s');
      await sleep(100);
    }
  }
  const stop = new AbortController();
  let samples = 0;
  const runs = Array.from({ length: cameras }, (_, i) => {
    const motion = resolveMotion({ ...DEFAULTS, decode, samplesPerSecond, input }, { url: url(i), subUrl: undefined, motion: { enabled: true, zones: [], masks: [] } });
    return watchMotion({
      camera: `cam${i}`, motion, signal: stop.signal, events: { maxEventSeconds: 300, mergeGapSeconds: 5 }, emit: () => {}, onSample: () => samples++,
      recording: { dataDir, stallSeconds: 20 },
    });
  });
  await sleep(warmup * 1000);
  const skip = [server.pid, recorder?.pid];
  const recorders = recorder ? [recorder.pid, ...descendants(recorder.pid)] : [];
  const before = { node: process.cpuUsage(), ff: decoderTicks(skip), rec: recorders.map(cpuTicks), samples, at: Date.now(), load: load() };
  await sleep((seconds - warmup) * 1000);
  const wall = (Date.now() - before.at) / 1000;
  const node = process.cpuUsage(before.node);
  const ff = (decoderTicks(skip) - before.ff) / 100;
  const rec = recorders.map(cpuTicks).reduce((a, t, i) => a + t - before.rec[i], 0) / 100;
  const got = samples - before.samples;
  const after = load();
  stop.abort();
  await Promise.all(runs);
  let segments;
  if (recorder) {
    recorder.kill('SIGINT');
    await new Promise((r) => recorder.once('exit', r));
    segments = readdirSync(path.join(dataDir, 'recordings', 'cam0'), { recursive: true }).filter((f) => String(f).endsWith('.mkv')).length;
    rmSync(dataDir, { recursive: true, force: true });
  }
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  const nodePct = ((node.user + node.system) / 1e6 / wall) * 100;
  const ffPct = (ff / wall) * 100;
  const r = {
    stream: name, input, cameras, decode, samplesPerSecond, seconds: Math.round(wall),
    cpuPerCameraPercent: round((nodePct + ffPct) / cameras), ffmpegPerCameraPercent: round(ffPct / cameras), nodePerCameraPercent: round(nodePct / cameras),
    samplesPerSecondPerCamera: round(got / wall / cameras, 1),
    ...(recorder ? { segmentSeconds, segmentsOfCam0: segments, recorderPerCameraPercent: round((rec / wall) * 100 / cameras) } : {}),
    loadAverage: { before: before.load, after },
  };
  log('cpu', JSON.stringify(r));
  return r;
}

const SUB = '640x360 10 fps sub stream (H.264 600 kbit/s)';
const SUB5 = '640x360 5 fps sub stream (H.264 300 kbit/s)';
const MAIN = '1920x1080 25 fps main stream (H.264 4 Mbit/s, keyframe every 2 s)';
let cpu = null;
if (!flags.has('--no-cpu')) {
  const sub = path.join(work, 'vtest-sub-640x360.mp4');
  const main = path.join(work, 'vtest-main-1080p.mp4');
  const sub5 = path.join(work, 'vtest-sub-640x360-5fps.mp4');
  if (!existsSync(sub5)) execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', vtest, '-vf', 'scale=640:360', '-r', '5', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-b:v', '300k', '-pix_fmt', 'yuv420p', '-an', sub5]);
  if (!existsSync(sub)) execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', vtest, '-vf', 'scale=640:360', '-r', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '20', '-b:v', '600k', '-pix_fmt', 'yuv420p', '-an', sub]);
  if (!existsSync(main)) {
    log('encoding the 1080p main stream once (about a minute)…');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', vtest, '-vf', 'scale=1920:1080', '-r', '25', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-b:v', '4M', '-pix_fmt', 'yuv420p', '-an', main]);
  }
  // First in the run, in a process that has done nothing else yet (no detector model loaded).
  // The recording (events.motion.input: recording, the default auto while the camera is recorded here) against the
  // camera's streams, alternating, so the machine's load changes hit both alike.
  cpu = flags.has('--cpu-only')
    ? [
        await cpuRun(MAIN, main, 1, 'keyframes', { input: 'recording' }),
        await cpuRun(MAIN, main, 1, 'keyframes'),
        await cpuRun(SUB, sub, 1, 'all'),
        await cpuRun(MAIN, main, 4, 'keyframes', { input: 'recording' }),
        await cpuRun(MAIN, main, 4, 'keyframes'),
        await cpuRun(SUB, sub, 4, 'all'),
        await cpuRun(MAIN, main, 1, 'keyframes', { input: 'recording' }),
        await cpuRun(MAIN, main, 1, 'keyframes', { input: 'recording', segmentSeconds: 10 }),
      ]
    : [
        await cpuRun(SUB, sub, 1, 'all'),
        await cpuRun(SUB, sub, 4, 'all'),
        await cpuRun(SUB5, sub5, 1, 'all'),
        await cpuRun(SUB, sub, 1, 'all', { samplesPerSecond: 2 }),
        await cpuRun(MAIN, main, 1, 'keyframes'),
        await cpuRun(MAIN, main, 4, 'keyframes'),
        await cpuRun(MAIN, main, 1, 'keyframes', { input: 'recording' }),
        await cpuRun(MAIN, main, 4, 'keyframes', { input: 'recording' }),
        await cpuRun(MAIN, main, 1, 'all'),
      ];
}

if (flags.has('--cpu-only')) {
  const out = { benchmark: 'motion --cpu-only', date: new Date().toISOString(), machine: MACHINE, cpu };
  writeFileSync(path.join(root, 'bench/results/motion-cpu.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
  process.exit(0);
}

// ---------------------------------------------------------------- footage and scenes
const [tree, building, home] = await ensureOpencvData(['tree.avi', 'building.jpg', 'home.jpg']);
const walkway = path.join(work, 'walkway-empty.png');
if (!existsSync(walkway)) {
  log('the empty walkway: median of vtest (~15 s)…');
  execFileSync('ffmpeg', ['-nostdin', '-y', ...emptySceneArgs(vtest, `${walkway}.tmp.png`)]);
  renameSync(`${walkway}.tmp.png`, walkway);
}
const size = { seconds: SECONDS, fps: FPS, width: 640, height: 480 };
const scenes = [];
for (const [name, background] of [['walkway', walkway], ['building', building], ['home', home], ['tree', tree]]) {
  for (const change of LIGHT_CHANGES) scenes.push({ name: `${name}-${change}`, people: false, change, scene: { background, change, ...size } });
}
for (const change of LIGHT_CHANGES) {
  const people = { video: vtest, first: 10, every: 20, seconds: 8 };
  scenes.push({ name: `people-${change}`, people: true, change, scene: { background: walkway, people, change, ...size } });
}
for (const s of scenes) {
  const args = sceneArgs(s.scene, 'OUT');
  s.file = path.join(work, `${s.name}-${createHash('sha1').update(args.join(' ')).digest('hex').slice(0, 8)}.mp4`);
  if (existsSync(s.file)) continue;
  const t0 = Date.now();
  execFileSync('ffmpeg', ['-nostdin', '-y', ...sceneArgs(s.scene, `${s.file}.tmp.mp4`)]);
  renameSync(`${s.file}.tmp.mp4`, s.file);
  log(`scene ${s.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

// ---------------------------------------------------------------- the three detectors, offline
/** Raw grey pictures of `file` at width×height, every frame, as fast as ffmpeg decodes (`args` builds the command). */
function decode(args, width, height, onPicture) {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const bytes = width * height;
    let buf = Buffer.alloc(0);
    let n = 0;
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.on('data', (c) => {
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      while (buf.length >= bytes) {
        onPicture(new Uint8Array(buf.subarray(0, bytes)), n++);
        buf = buf.subarray(bytes);
      }
    });
    p.on('close', (code) => (code === 0 ? resolve(n) : reject(new Error(`ffmpeg ${code}: ${err}`))));
  });
}

/** Events of one detector: `active(t)` fed to the same EventTracker as the product; starts with when they were decided. */
function eventLog() {
  const T0 = Date.parse('2026-01-01T00:00:00Z');
  const tracker = new EventTracker({ camera: 'bench', maxEventMs: 300_000, mergeGapMs: MERGE_GAP_MS, source: 'motion' });
  const events = [];
  let on = false;
  const take = (records, decidedAt) => {
    for (const r of records) {
      if (r.state === 'start') events.push({ start: (Date.parse(r.start) - T0) / 1000, decidedAt });
      if (r.state === 'end') events.at(-1).end = (Date.parse(r.end) - T0) / 1000;
    }
  };
  return {
    events,
    observe(active, t, since = t) {
      if (active) take(tracker.observe({ camera: 'bench', label: 'motion', active, at: new Date(T0 + 1000 * (on ? t : since)), initialized: false, topic: 'motion' }), t);
      else if (on) take(tracker.observe({ camera: 'bench', label: 'motion', active, at: new Date(T0 + 1000 * t), initialized: false, topic: 'motion' }), t);
      on = active;
    },
    finish(t) {
      take(tracker.stop(new Date(T0 + 1000 * t)), t);
    },
  };
}

/** cctv's motion: the product's decoder arguments and detector, 4 samples a second of stream time. */
async function cctvMotion(file) {
  const detector = new MotionDetector(SETTINGS);
  const ev = eventLog();
  const interval = 1 / SETTINGS.samplesPerSecond;
  let due = 0;
  let samples = 0;
  let busyNs = 0n;
  const n = await decode(motionDecodeArgs({ url: file, transport: 'tcp', keyframesOnly: false, width: MOTION_WIDTH, height: MOTION_HEIGHT, timeoutSeconds: 5 }),
    MOTION_WIDTH, MOTION_HEIGHT, (pic, i) => {
      const t = i / FPS;
      if (t + 1e-6 < due) return;
      due = Math.max(due + interval, t - interval);
      const t0 = process.hrtime.bigint();
      const s = detector.sample(pic, t * 1000);
      busyNs += process.hrtime.bigint() - t0;
      samples++;
      ev.observe(s.state === 'motion', t, s.state === 'motion' ? s.sinceMs / 1000 : t);
    });
  ev.finish(n / FPS);
  return { events: ev.events, msPerSample: Number(busyNs) / 1e6 / samples };
}

const BASE_W = 320;
const BASE_H = 240;
/** The motion daemon's default rule (see the header), on 320x240 pictures (the same 0.49 % share of pixels). */
async function motionDaemon(file) {
  const noise = 32;
  const threshold = Math.round(0.0049 * BASE_W * BASE_H);
  const acceptFrames = 10 * FPS; // ACCEPT_STATIC_OBJECT_TIME
  let ref = null;
  let dyn = null;
  const ev = eventLog();
  const n = await decode(['-loglevel', 'error', '-threads', '1', '-i', file, '-vf', `scale=${BASE_W}:${BASE_H},format=gray`, '-f', 'rawvideo', 'pipe:1'],
    BASE_W, BASE_H, (img, i) => {
      if (!ref) {
        ref = Uint8Array.from(img);
        dyn = new Uint16Array(img.length);
        return;
      }
      let changed = 0;
      for (let p = 0; p < img.length; p++) {
        const d = Math.abs(img[p] - ref[p]);
        const out = d > noise;
        if (out) changed++;
        if (d > noise / 2) {
          if (dyn[p] === 0) dyn[p] = 1;
          else if (dyn[p] > acceptFrames) (dyn[p] = 0), (ref[p] = img[p]);
          else if (out) dyn[p]++;
          else (dyn[p] = 0), (ref[p] = (ref[p] + img[p]) >> 1);
        } else (dyn[p] = 0), (ref[p] = img[p]);
      }
      ev.observe(changed > threshold, i / FPS);
    });
  ev.finish(n / FPS);
  return { events: ev.events };
}

/** cctv 0.1's demo source: 64x36, 4 samples a second, a pixel changed by more than 20, motion from 0.3 % of them. */
async function frameDifference(file) {
  const w = 64;
  const h = 36;
  let prev = null;
  let due = 0;
  const ev = eventLog();
  const n = await decode(['-loglevel', 'error', '-threads', '1', '-i', file, '-vf', `scale=${w}:${h},format=gray`, '-f', 'rawvideo', 'pipe:1'], w, h, (pic, i) => {
    const t = i / FPS;
    if (t + 1e-6 < due) return;
    due += 0.25;
    if (prev) {
      let changed = 0;
      for (let p = 0; p < pic.length; p++) if (Math.abs(pic[p] - prev[p]) > 20) changed++;
      ev.observe(changed / pic.length >= 0.003, t);
    }
    prev = pic;
  });
  ev.finish(n / FPS);
  return { events: ev.events };
}

const METHODS = { cctv: cctvMotion, motion: motionDaemon, frameDifference };
const analysed = [];
for (const s of scenes) {
  const row = { scene: s.name, people: s.people, change: s.change, file: s.file };
  for (const [m, run] of Object.entries(METHODS)) row[m] = await run(s.file);
  analysed.push(row);
  log(`${s.name.padEnd(18)} ${Object.keys(METHODS).map((m) => `${m} ${row[m].events.length}`).join('  ')}`);
}

// ---------------------------------------------------------------- figures
const hours = (rows) => (rows.length * SECONDS) / 3600;
const perHour = (rows, m) => round(rows.reduce((a, r) => a + r[m].events.length, 0) / hours(rows), 1);
/** Share of the time an event was open (a detector stuck "on" makes one long event: few events, all the time in alarm). */
const alarmShare = (rows, m) =>
  round(rows.reduce((a, r) => a + r[m].events.reduce((b, e) => b + (e.end ?? SECONDS) - e.start, 0), 0) / (rows.length * SECONDS), 3);
const empty = analysed.filter((r) => !r.people);
const light = empty.filter((r) => !['shadow'].includes(r.change) && !r.scene.startsWith('tree'));
const pixelsCannotTell = empty.filter((r) => r.change === 'shadow' || r.scene.startsWith('tree'));
const withPeople = analysed.filter((r) => r.people);
const episodes = (r) => peopleAppear(scenes.find((s) => s.name === r.scene).scene);

function recall(rows, m) {
  let total = 0;
  let found = 0;
  const delays = [];
  let outside = 0;
  for (const r of rows) {
    const ts = episodes(r);
    total += ts.length;
    for (const t0 of ts) {
      const started = r[m].events.find((e) => e.start >= t0 - 0.5 && e.decidedAt <= t0 + 8);
      const open = r[m].events.find((e) => e.start < t0 - 0.5 && (e.end ?? Infinity) > t0);
      if (started || open) found++;
      if (started) delays.push(Math.max(0, started.decidedAt - t0));
    }
    outside += r[m].events.filter((e) => !ts.some((t0) => e.start >= t0 - 0.5 && e.start <= t0 + 8 + MERGE_GAP_MS / 1000)).length;
  }
  return {
    episodes: total,
    detected: found,
    recall: round(found / total, 3),
    delaySeconds: { median: round(median(delays)), p90: round(quantile(delays, 0.9)), max: round(Math.max(...delays)) },
    eventsOutsideEpisodesPerHour: round(outside / hours(rows), 1),
  };
}

const summary = Object.fromEntries(Object.keys(METHODS).map((m) => [m, {
  falseEventsPerHour: { all: perHour(empty, m), lightChanges: perHour(light, m), shadowAndTree: perHour(pixelsCannotTell, m) },
  timeInAlarm: { all: alarmShare(empty, m), lightChanges: alarmShare(light, m), shadowAndTree: alarmShare(pixelsCannotTell, m) },
  byScene: Object.fromEntries(empty.map((r) => [r.scene, r[m].events.length])),
  withPeople: recall(withPeople, m),
}]));
const ratio = (m) => Object.fromEntries(['all', 'lightChanges', 'shadowAndTree'].map((k) => {
  const ours = summary.cctv.falseEventsPerHour[k];
  return [k, ours === 0 ? `cctv 0 vs ${summary[m].falseEventsPerHour[k]} per hour` : round(summary[m].falseEventsPerHour[k] / ours, 2)];
}));

// ---------------------------------------------------------------- detector confirmation, end to end
let confirmation = null;
if (!flags.has('--no-detector')) {
  const detect = detectConfigSchema.parse(undefined);
  const detector = await createDetector(detect);
  const rule = { ...DEFAULT_CONFIRM, minConfidence: detect.minConfidence };
  const confirm = async (rows, m) => {
    let frames = 0;
    let alerts = 0;
    const after = [];
    for (const r of rows) {
      for (const e of r[m].events) {
        const times = [];
        for (let t = e.start; t <= Math.min(e.end ?? SECONDS, e.start + 3) && t < SECONDS - 0.1; t += 0.5) times.push(t);
        const pics = await extractFrames(r.file, times, detector.input);
        const seen = [];
        let alertAt = null;
        for (const f of pics) {
          seen.push(await detector.detect(f));
          frames++;
          if (confirmedLabels(seen, ['person'], rule).length > 0) {
            alertAt = f.offsetSeconds;
            break;
          }
        }
        if (alertAt !== null) {
          alerts++;
          after.push(round(alertAt - e.start));
        }
      }
    }
    return { frames, alerts, secondsAfterStart: { median: median(after), max: after.length ? Math.max(...after) : null } };
  };
  const cctvEmpty = await confirm(empty, 'cctv');
  const cctvPeople = await confirm(withPeople, 'cctv');
  const motionEmpty = await confirm(empty, 'motion');
  await detector.close();
  confirmation = {
    rule: `person in ${rule.needed} of the last ${rule.of} samples at >= ${rule.minConfidence}, or once at >= ${rule.highConfidence}; a sample every 0.5 s from the event's start for up to 3 s`,
    cctv: {
      footageWithoutPeople: { ...cctvEmpty, personAlertsPerHour: round(cctvEmpty.alerts / hours(empty), 1), detectorFramesPerHour: Math.round(cctvEmpty.frames / hours(empty)) },
      footageWithPeople: { ...cctvPeople, episodes: summary.cctv.withPeople.episodes, episodesAlerted: cctvPeople.alerts },
    },
    motion: {
      footageWithoutPeople: { ...motionEmpty, personAlertsPerHour: round(motionEmpty.alerts / hours(empty), 1), detectorFramesPerHour: Math.round(motionEmpty.frames / hours(empty)) },
    },
  };
  log('confirmation', JSON.stringify(confirmation));
}

// ---------------------------------------------------------------- results
const best = (m) => summary[m].withPeople.recall;
const out = {
  benchmark: 'motion',
  date: new Date().toISOString(),
  machine: MACHINE,
  footage: {
    withoutPeople: `${empty.length} scenes × ${SECONDS} s = ${round(hours(empty), 2)} h: walkway (vtest's empty place), building.jpg, home.jpg, tree.avi × ${LIGHT_CHANGES.join(', ')}`,
    withPeople: `${withPeople.length} scenes × ${SECONDS} s: vtest's people on the empty walkway for 8 s every 20 s (${summary.cctv.withPeople.episodes} appearances) × the same light changes`,
  },
  settings: { cctv: DEFAULTS, mergeGapSeconds: MERGE_GAP_MS / 1000 },
  summary,
  fewerFalseEventsThan: { motion: ratio('motion'), frameDifference: ratio('frameDifference') },
  confirmation,
  cpu,
  goals: {
    tenTimesFewerFalseEventsAtEqualRecall: {
      vsMotion: { ratio: ratio('motion'), recall: { cctv: best('cctv'), motion: best('motion') } },
      vsFrameDifference: { ratio: ratio('frameDifference'), recall: { cctv: best('cctv'), frameDifference: best('frameDifference') } },
    },
    cpuPerCameraAtMost1_5Percent: cpu && cpu.filter((r) => r.decode === 'keyframes' || r.stream !== MAIN).map((r) => ({ stream: r.stream, decode: r.decode, samplesPerSecond: r.samplesPerSecond, cameras: r.cameras, percent: r.cpuPerCameraPercent })),
    zeroPersonAlertsWithoutPeople: confirmation && confirmation.cctv.footageWithoutPeople.personAlertsPerHour,
  },
  scenes: analysed.map((r) => ({
    scene: r.scene,
    appear: r.people ? episodes(r) : [],
    ...Object.fromEntries(Object.keys(METHODS).map((m) => [m, r[m].events.map((e) => [round(e.start, 1), round(e.end ?? SECONDS, 1)])])),
  })),
  nodeMsPerSample: round(median(analysed.map((r) => r.cctv.msPerSample)), 3),
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/motion.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify({ summary: out.summary, fewerFalseEventsThan: out.fewerFalseEventsThan, confirmation, cpu, nodeMsPerSample: out.nodeMsPerSample }, null, 2));
