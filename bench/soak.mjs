#!/usr/bin/env node
// Soak (issue 11): the whole pipeline for --minutes (default 30) under random faults, then the counts.
// - 3 RTSP test cameras (test/helpers/rtsp-camera.py) replaying vtest.avi (Debian's opencv-doc pedestrians, looped):
//   people on every camera, so alerts happen; each camera has a test ONVIF device raising motion on a schedule;
// - the pipeline as the README runs it, supervised as a service manager would: `cctv record` (restarted when it exits)
//   and `cctv watch-events | cctv upload | cctv analyze` in one bash pipe (re-made when it ends; when one stage is
//   killed the others get a closed pipe or end of input and the pipe is re-made), storage on s3rver, the local
//   detector, a webhook alert sink (a real HTTP receiver);
// - the data folder (catalog and recordings) on a small tmpfs, so the disk can really be filled;
// - faults, one at a time, every 30–70 s in a shuffled order: camera killed (20 s), camera frozen with SIGSTOP (20 s),
//   storage down (45 s), kill -9 of record, watch-events, upload and analyze, a second process holding the catalog's
//   write lock (BEGIN IMMEDIATE, 10 s), the disk full (15 s);
// - at the end: triggers stop, the pipe's input closes and it drains, then `cctv upload < /dev/null` and
//   `cctv analyze < /dev/null` (the cron drains) and the recorder stops; then counted from the catalog, the storage
//   (s3rver's folder) and the webhook receiver.
// Run as root (tmpfs): npm run build && node bench/soak.mjs [--minutes N]   → bench/results/soak.json
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const { ensureVtest } = await import(path.join(root, 'dist', 'lib', 'demo', 'vtest.js'));
const { startOnvifDevice } = await import(path.join(root, 'test', 'helpers', 'onvif-device', 'index.mjs'));

const argv = process.argv.slice(2);
const MINUTES = Number(argv[argv.indexOf('--minutes') + 1] ?? 30) || 30;
const CAMERAS = ['cam0', 'cam1', 'cam2'];
const BIN = path.join(root, 'bin', 'cctv.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (a, b) => a + Math.random() * (b - a);
const log = (...a) => console.error(new Date().toISOString().slice(11, 19), ...a);
const round = (v, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const alive = (p) => p && p.exitCode === null && p.signalCode === null;
const exited = (p) => (alive(p) ? new Promise((r) => p.once('exit', r)) : Promise.resolve());

// ---------------------------------------------------------------- footage: vtest as H.264, looped past the run
const cache = path.join(root, 'bench', 'tmp', 'soak');
mkdirSync(cache, { recursive: true });
const once = path.join(cache, 'vtest-h264.mp4');
if (!existsSync(once)) {
  // no B-frames (-bf 0): through the RTSP test camera they make the recorder's ffmpeg fail (av_interleaved_write_frame(): Invalid argument)
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-i', await ensureVtest(), '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '0', '-b:v', '500k', '-g', '20', '-pix_fmt', 'yuv420p', '-an', `${once}.tmp.mp4`]);
  renameSync(`${once}.tmp.mp4`, once);
}
const loops = Math.ceil(((MINUTES + 10) * 60) / 79.5);
const looped = path.join(cache, `vtest-loop-${loops}.mp4`);
if (!existsSync(looped)) {
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-stream_loop', String(loops), '-i', once, '-c', 'copy', `${looped}.tmp.mp4`]);
  renameSync(`${looped}.tmp.mp4`, looped);
}

// ---------------------------------------------------------------- the world: tmpfs, cameras, devices, s3rver, receiver
const work = path.join(os.tmpdir(), `cctv-soak-${process.pid}`);
const data = path.join(work, 'data');
mkdirSync(data, { recursive: true });
const TMPFS_MB = 1536;
let tmpfs = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m`, 'tmpfs', data]);
  tmpfs = true;
} catch (e) {
  log(`no tmpfs (${e.message.split('\n')[0]}): the disk-full fault is skipped`);
}
const logs = path.join(work, 'logs');
mkdirSync(logs);
const logFd = (name) => openSync(path.join(logs, `${name}.log`), 'a');

const children = new Set();
const track = (p) => {
  children.add(p);
  p.once('exit', () => children.delete(p));
  return p;
};

const cams = {};
for (const name of CAMERAS) {
  const cam = { name, port: await freePort(), proc: null, outages: [], frozen: false };
  cam.up = async () => {
    const p = track(spawn('/usr/bin/python3', [path.join(root, 'test/helpers/rtsp-camera.py'), String(cam.port), '--file', looped, '--mounts', '1'], { stdio: ['ignore', 'pipe', logFd(`camera-${name}`)] }));
    cam.proc = p;
    await new Promise((resolve, reject) => {
      p.stdout.on('data', (d) => String(d).includes('READY') && resolve());
      p.once('exit', (c) => reject(new Error(`camera ${name} exited ${c}`)));
    });
  };
  cam.down = async () => {
    const p = cam.proc;
    cam.proc = null;
    p.kill('SIGCONT');
    p.kill('SIGKILL');
    await exited(p);
  };
  await cam.up();
  cam.device = await startOnvifDevice({ profile: 'onvif', host: '127.0.0.1' });
  cams[name] = cam;
}

// s3rver in its own process (as test/helpers/s3-server.ts: node --openssl-legacy-provider)
const S3RVER = require.resolve('@20minutes/s3rver');
const s3dir = path.join(work, 's3');
mkdirSync(s3dir);
const s3 = { port: await freePort(), proc: null, outages: [] };
const S3CHILD = `const S3rver = require(${JSON.stringify(S3RVER)}); const [port, directory] = process.argv.slice(1);
new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true, configureBuckets: [{ name: 'soak' }] })
  .run().then(() => console.log('READY'), (e) => { console.error(e); process.exit(1); });`;
s3.up = async () => {
  const p = track(spawn(process.execPath, ['--openssl-legacy-provider', '-e', S3CHILD, String(s3.port), s3dir], { stdio: ['ignore', 'pipe', logFd('s3rver')] }));
  s3.proc = p;
  await new Promise((resolve, reject) => {
    p.stdout.on('data', (d) => String(d).includes('READY') && resolve());
    p.once('exit', (c) => reject(new Error(`s3rver exited ${c}`)));
  });
};
s3.down = async () => {
  const p = s3.proc;
  s3.proc = null;
  p.kill('SIGKILL');
  await exited(p);
};
await s3.up();

const hooks = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {}
    hooks.push({ at: Date.now(), key: req.headers['idempotency-key'] ?? null, eventId: body.eventId ?? null, camera: body.camera ?? null });
    res.writeHead(200).end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));

const config = {
  dataDir: data,
  cameras: Object.fromEntries(CAMERAS.map((n) => [n, {
    url: `rtsp://127.0.0.1:${cams[n].port}/cam0`,
    onvif: { host: '127.0.0.1', port: cams[n].device.port, username: 'admin', password: 'secret' },
  }])),
  record: { segmentSeconds: 60, format: 'mkv' },
  events: { preRollSeconds: 2, postRollSeconds: 2 },
  storage: { url: 's3://soak/cctv', region: 'us-east-1', endpoint: `http://127.0.0.1:${s3.port}`, forcePathStyle: true, checksums: 'when_required' },
  alerts: { on: ['person'], cooldownSeconds: 0, webhook: { url: `http://127.0.0.1:${receiver.address().port}/hook` } },
};
const configPath = path.join(work, 'cctv.config.json');
writeFileSync(configPath, JSON.stringify(config, null, 2));
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', CCTV_CONFIG: configPath };
const cctv = (args, stdio) => track(spawn(process.execPath, [BIN, ...args], { cwd: work, env, stdio }));

// ---------------------------------------------------------------- supervised services
let stopping = false;
const restarts = { record: 0, pipeline: 0 };
const exits = [];
const rec = { proc: null };
const startRecord = () => {
  const p = cctv(['record'], ['ignore', openSync(path.join(logs, 'segments.ndjson'), 'a'), logFd('record')]);
  rec.proc = p;
  p.once('exit', (code, signal) => {
    exits.push({ stage: 'record', code, signal, at: Date.now() });
    if (!stopping) setTimeout(() => { restarts.record++; startRecord(); }, 2000);
  });
};

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const stage = (name) => `${q(process.execPath)} ${q(BIN)} ${name} 2>>${q(path.join(logs, `${name}.log`))}`;
const pipe = { bash: null, drain: false };
const analyzedOut = path.join(logs, 'analyze.ndjson');
const startPipeline = () => {
  const p = track(spawn('bash', ['-c', `${stage('watch-events')} | ${stage('upload')} | ${stage('analyze')} >>${q(analyzedOut)}; echo "exit \${PIPESTATUS[*]}" >&2`], { cwd: work, env, stdio: ['ignore', 'ignore', logFd('pipeline')] }));
  pipe.bash = p;
  p.once('exit', () => {
    if (!stopping) setTimeout(() => { restarts.pipeline++; startPipeline(); }, 1000);
  });
};
/** The node process of one stage of the current pipe (bash's children), by its command line. */
const stagePid = (name) => {
  if (!alive(pipe.bash)) return null;
  let kids = [];
  try {
    kids = execFileSync('pgrep', ['-P', String(pipe.bash.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {}
  for (const pid of kids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmd.includes(name)) return pid;
    } catch {}
  }
  return null;
};
const stagePids = () => ['watch-events', 'upload', 'analyze'].map(stagePid).filter(Boolean);
/** After one stage died, the others stop by themselves (closed pipe, end of input); whatever is left after 10 s gets SIGTERM. */
const reap = async () => {
  const bash = pipe.bash;
  for (let i = 0; i < 100 && alive(bash); i++) await sleep(100);
  if (alive(bash)) for (const pid of stagePids()) try { process.kill(pid, 'SIGTERM'); } catch {}
};

// ---------------------------------------------------------------- events raised on the ONVIF devices
const raised = [];
const pipelineUp = () => stagePid('watch-events') !== null;
const triggerLoop = async (cam) => {
  await sleep(rand(5000, 20000));
  while (!stopping) {
    const e = { camera: cam.name, start: Date.now(), watcherAtStart: pipelineUp() };
    cam.device.trigger('motion', true);
    await sleep(rand(4000, 9000));
    cam.device.trigger('motion', false);
    e.end = Date.now();
    e.watcherAtEnd = pipelineUp();
    raised.push(e);
    await sleep(rand(25000, 50000));
  }
};

// ---------------------------------------------------------------- faults
const faultLog = [];
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const fill = path.join(data, 'filler');
const FAULTS = {
  'camera-killed': async () => {
    const cam = cams[pick(CAMERAS)];
    const from = Date.now();
    await cam.down();
    await sleep(20000);
    await cam.up();
    cam.outages.push({ kind: 'killed', from, to: Date.now() });
    return cam.name;
  },
  'camera-frozen': async () => {
    const cam = cams[pick(CAMERAS)];
    const from = Date.now();
    cam.proc.kill('SIGSTOP');
    await sleep(20000);
    cam.proc.kill('SIGCONT');
    cam.outages.push({ kind: 'frozen', from, to: Date.now() });
    return cam.name;
  },
  'storage-down': async () => {
    const from = Date.now();
    await s3.down();
    await sleep(45000);
    await s3.up();
    s3.outages.push({ from, to: Date.now() });
  },
  'kill-9-record': async () => {
    if (alive(rec.proc)) rec.proc.kill('SIGKILL');
  },
  ...Object.fromEntries(['watch-events', 'upload', 'analyze'].map((name) => [`kill-9-${name}`, async () => {
    const pid = stagePid(name);
    if (!pid) return 'not running';
    process.kill(pid, 'SIGKILL');
    await reap();
    return `pid ${pid}`;
  }])),
  'catalog-lock': async () => {
    const holder = track(spawn(process.execPath, ['-e', `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new D(process.argv[1], { timeout: 30000 }); db.exec('BEGIN IMMEDIATE'); console.log('HELD');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 10000);`, path.join(data, 'catalog.db')], { stdio: ['ignore', 'pipe', logFd('lock')] }));
    await exited(holder);
    return holder.exitCode === 0 ? 'held 10 s' : `holder exited ${holder.exitCode}`;
  },
  ...(tmpfs ? {
    'disk-full': async () => {
      const free = () => { const s = execFileSync('df', ['-B1', '--output=avail', data], { encoding: 'utf8' }).split('\n')[1]; return Number(s); };
      // fallocate of the whole free space can fail on tmpfs (rounding): most of it, then zeros until ENOSPC
      execFileSync('fallocate', ['-l', String(Math.max(4096, free() - (1 << 20))), fill]);
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${fill}-rest`, 'bs=64k'], { stdio: 'ignore' });
      } catch {}
      const left = free();
      await sleep(15000);
      rmSync(fill, { force: true });
      rmSync(`${fill}-rest`, { force: true });
      return `${left} bytes left for 15 s`;
    },
  } : {}),
};
const faultLoop = async (until) => {
  let bag = [];
  await sleep(30000);
  while (Date.now() < until - 60000) {
    if (!bag.length) bag = Object.keys(FAULTS).sort(() => Math.random() - 0.5);
    const kind = bag.pop();
    const at = Date.now();
    log('fault', kind);
    let note;
    try {
      note = await FAULTS[kind]();
    } catch (e) {
      note = `failed: ${e.message}`;
    }
    faultLog.push({ kind, at: new Date(at).toISOString(), seconds: round((Date.now() - at) / 1000), note });
    await sleep(rand(30000, 70000));
  }
};

// ---------------------------------------------------------------- run
const load = [os.loadavg()[0]];
const loadTimer = setInterval(() => load.push(os.loadavg()[0]), 60000);
let cleaned = false;
const cleanup = () => {
  if (cleaned) return;
  cleaned = true;
  stopping = true;
  clearInterval(loadTimer);
  for (const p of children) { try { p.kill('SIGCONT'); p.kill('SIGKILL'); } catch {} }
  for (const pid of stagePids()) try { process.kill(pid, 'SIGKILL'); } catch {}
  if (tmpfs) try { execFileSync('umount', ['-l', data]); } catch {}
  rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => { cleanup(); process.exit(130); });
process.on('exit', cleanup);

const t0 = Date.now();
const until = t0 + MINUTES * 60000;
log(`soak: ${MINUTES} min, ${CAMERAS.length} cameras, work ${work}${tmpfs ? `, tmpfs ${TMPFS_MB} MB` : ''}`);
startRecord();
startPipeline();
for (let i = 0; i < 600; i++) { // events start once every camera records (an event before that has no footage to store)
  const l = existsSync(path.join(logs, 'record.log')) ? readFileSync(path.join(logs, 'record.log'), 'utf8') : '';
  if (CAMERAS.every((n) => l.includes(`"camera":"${n}","msg":"recording"`))) break;
  await sleep(200);
}
const recordingFrom = Date.now();
const triggers = CAMERAS.map((n) => triggerLoop(cams[n]));
const faults = faultLoop(until);
await sleep(until - Date.now());
stopping = true;
await Promise.all([faults, ...triggers]);
log('faults and triggers stopped; letting the pipe finish its events');
await sleep(20000);
const drainStart = Date.now();
const we = stagePid('watch-events');
if (we) process.kill(we, 'SIGTERM');
await Promise.race([exited(pipe.bash), sleep(15 * 60000)]);
const pipeDrainSeconds = round((Date.now() - drainStart) / 1000);
log(`pipe drained in ${pipeDrainSeconds} s`);
const cron = {};
for (const name of ['upload', 'analyze']) {
  const t = Date.now();
  const out = path.join(logs, `cron-${name}.ndjson`);
  const p = cctv([name], [openSync('/dev/null', 'r'), openSync(out, 'w'), logFd(`cron-${name}`)]);
  await exited(p);
  const records = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  cron[name] = { exitCode: p.exitCode, seconds: round((Date.now() - t) / 1000), records: records.length };
  if (name === 'analyze') for (const r of records) if (r.kind === 'analyzed') r.fromCron = true;
  cron[name].list = records;
}
const recordStop = Date.now();
if (alive(rec.proc)) {
  rec.proc.kill('SIGTERM');
  await exited(rec.proc);
}

// ---------------------------------------------------------------- count (the raw material is kept beside the logs)
writeFileSync(path.join(logs, 'raw.json'), JSON.stringify({ t0, recordStop, raised, hooks, faultLog, outages: Object.fromEntries(CAMERAS.map((n) => [n, cams[n].outages])), s3: s3.outages, load, restarts, exits, cron }));
for (const f of ['catalog.db', 'catalog.db-wal', 'catalog.db-shm']) if (existsSync(path.join(data, f))) execFileSync('cp', [path.join(data, f), logs]);
execFileSync('sh', ['-c', `find ${q(s3dir)} -type f > ${q(path.join(logs, 'storage.txt'))}`]);
const db = new Database(path.join(data, 'catalog.db'), { readonly: true });
const events = db.prepare('SELECT id, camera, start_ms, end_ms, end_reason, labels FROM events').all();
const uploads = db.prepare("SELECT key, event_id, partial FROM uploads WHERE kind = 'clip'").all();
const alertRows = db.prepare('SELECT event_key, camera FROM alerts').all();
const segments = db.prepare('SELECT camera, start_ms, end_ms, closed FROM segments').all();
const gaps = db.prepare('SELECT camera, from_ms, to_ms, reason FROM gaps').all();
const outbox = db.prepare('SELECT kind, state, COUNT(*) AS n FROM outbox GROUP BY kind, state').all();
db.close();

const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
const stored = walk(s3dir).map((f) => path.relative(path.join(s3dir, 'soak'), f)).filter((k) => /\/clips\/.*\.mp4/.test(k) || /^cctv\/clips\/.*\.mp4/.test(k));
const clipKeys = [...new Set(stored.map((k) => k.replace(/\._S3rver_.*$/, '')).filter((k) => k.endsWith('.mp4')))];
const clipsByEvent = new Map();
for (const k of clipKeys) {
  const id = path.basename(k, '.mp4');
  clipsByEvent.set(id, (clipsByEvent.get(id) ?? 0) + 1);
}
const ended = events.filter((e) => e.end_ms !== null);
// An event whose window no recording touches (recorder restarting after kill -9, camera down) has nothing to store.
const PRE = config.events.preRollSeconds * 1000;
const POST = config.events.postRollSeconds * 1000;
const footage = (e) => segments.some((s) => s.camera === e.camera && s.start_ms < e.end_ms + POST && s.end_ms > e.start_ms - PRE);
const missing = ended.filter((e) => !clipsByEvent.has(e.id));
const lost = missing.filter(footage).map((e) => ({ id: e.id, endReason: e.end_reason }));
const noFootage = missing.filter((e) => !footage(e)).map((e) => ({ id: e.id, endReason: e.end_reason }));
const duplicateClips = [...clipsByEvent].filter(([, n]) => n > 1).map(([id, n]) => ({ id, n }));
const analyzed = [
  ...readFileSync(analyzedOut, 'utf8').split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return {}; } }),
  ...cron.analyze.list,
].filter((r) => r.kind === 'analyzed');
const analyzedPerClip = new Map();
for (const r of analyzed) analyzedPerClip.set(r.url, (analyzedPerClip.get(r.url) ?? 0) + 1);
const hooksByEvent = new Map();
for (const h of hooks) hooksByEvent.set(h.eventId, [...(hooksByEvent.get(h.eventId) ?? []), h]);
const alerting = alertRows.map((a) => a.event_key);
const perAlert = alerting.map((id) => (hooksByEvent.get(id) ?? []).length);
const tally = (xs) => xs.reduce((m, n) => ({ ...m, [n]: (m[n] ?? 0) + 1 }), {});

const recordWall = (recordStop - recordingFrom) / 1000;
const perCamera = CAMERAS.map((name) => {
  const outage = cams[name].outages.reduce((s, o) => s + (o.to - o.from), 0) / 1000;
  const segs = segments.filter((s) => s.camera === name);
  const recorded = segs.reduce((s, x) => s + (x.end_ms - x.start_ms), 0) / 1000;
  const camGaps = gaps.filter((g) => g.camera === name);
  return {
    camera: name, segments: segs.length, openSegments: segs.filter((s) => !s.closed).length,
    recordedSeconds: round(recorded), wallSeconds: round(recordWall), cameraOutageSeconds: round(outage),
    coverage: round(recorded / (recordWall - outage), 3),
    gaps: camGaps.length, gapSeconds: round(camGaps.reduce((s, g) => s + (g.to_ms - g.from_ms), 0) / 1000),
    eventsRaised: raised.filter((e) => e.camera === name).length,
    events: events.filter((e) => e.camera === name).length,
  };
});

const result = {
  date: new Date(t0).toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
  minutes: MINUTES, wallSeconds: round((Date.now() - t0) / 1000), cameras: CAMERAS.length,
  loadAverage1m: { min: round(Math.min(...load), 1), median: round([...load].sort((a, b) => a - b)[Math.floor(load.length / 2)], 1), max: round(Math.max(...load), 1) },
  disk: tmpfs ? `tmpfs ${TMPFS_MB} MB (catalog and recordings)` : 'no tmpfs: disk-full fault skipped',
  faults: { count: faultLog.length, byKind: tally(faultLog.map((f) => f.kind)), log: faultLog },
  restarts, stageExits: exits.length,
  events: {
    raisedOnDevices: raised.length,
    raisedWhileWatching: raised.filter((e) => e.watcherAtStart && e.watcherAtEnd).length,
    inCatalog: events.length, ended: ended.length, open: events.length - ended.length,
    endReasons: tally(events.map((e) => e.end_reason ?? 'edge')),
  },
  clips: {
    stored: clipKeys.length, uploadsInCatalog: uploads.length, partial: uploads.filter((u) => u.partial).length,
    lost: lost.length, lostList: lost, withoutFootage: noFootage.length, withoutFootageList: noFootage, duplicates: duplicateClips.length, duplicateList: duplicateClips,
  },
  analysis: {
    analyzedRecords: analyzed.length, clipsAnalyzed: analyzedPerClip.size,
    recordsRepeated: [...analyzedPerClip.values()].filter((n) => n > 1).length,
  },
  alerts: {
    alertingEvents: alerting.length, webhookRequests: hooks.length,
    requestsPerAlertingEvent: tally(perAlert),
    exactlyOnce: perAlert.filter((n) => n === 1).length,
    never: perAlert.filter((n) => n === 0).length,
    repeated: perAlert.filter((n) => n > 1).length,
    repeatsWithSameIdempotencyKey: alerting.filter((id) => { const hs = hooksByEvent.get(id) ?? []; return hs.length > 1 && new Set(hs.map((h) => h.key)).size === 1; }).length,
    forEventsNotAlerting: hooks.filter((h) => !alerting.includes(h.eventId)).length,
  },
  segments: perCamera,
  storageOutageSeconds: round(s3.outages.reduce((s, o) => s + (o.to - o.from), 0) / 1000),
  drain: { pipeSeconds: pipeDrainSeconds, cronUpload: { ...cron.upload, list: undefined }, cronAnalyze: { ...cron.analyze, list: undefined } },
  outboxAtEnd: outbox,
  goal: 'nothing lost (every ended event has its clip), nothing duplicated, every alerting event alerted exactly once',
};
result.goalMet = result.clips.lost === 0 && result.clips.duplicates === 0 && result.alerts.never === 0 && result.alerts.repeated === 0 && result.events.open === 0;
rmSync(path.join(cache, 'logs-last'), { recursive: true, force: true });
const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(root, 'bench', 'results', 'soak.json');
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
execFileSync('cp', ['-r', logs, path.join(cache, 'logs-last')]);
log('logs in', path.join(cache, 'logs-last'));
await Promise.all(Object.values(cams).map((c) => c.device.close()));
receiver.close();
process.exit(0);
