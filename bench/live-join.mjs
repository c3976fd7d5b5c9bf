#!/usr/bin/env node
// How soon does a live session see its first picture, and how old is it (issue 12)? A session's decoder joins the
// recording being written at its newest keyframe and must decode up to now first, so the keyframe interval matters.
// - camera: the RTSP test camera with the wall clock burned into each picture (rtsp-camera.py --stamp), 1080p25,
//   4 Mbit/s, a keyframe every 1 s and every 4 s ("smart" codecs);
// - `cctv record` (900 s mkv segments), then SESSIONS live readers (src/lib/live/frames.ts LiveFrames, decoding at the
//   camera's full size so the stamp can be read) started 1.5 s apart: time to the first picture, that picture's age
//   (now − its stamp), and the steady lag afterwards.
// Run: npm run build && node bench/live-join.mjs [SESSIONS=4]   → bench/results/live-join.json (~2 minutes)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { openDb } = await import(path.join(root, 'dist/lib/catalog/db.js'));
const { LiveFrames, DecoderPool } = await import(path.join(root, 'dist/lib/live/frames.js'));
const SESSIONS = Number(process.argv[2] ?? 4);
const W = 1920;
const H = 1080;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const range = (xs) => [Math.min(...xs), Math.max(...xs)];

/**
 * The stamp (rtsp-camera.py --stamp): 40 blocks of W/40 px, the ms bits, and their inverse below. Read here from the
 * decoder's RGB; test/helpers/stamp.mjs reads the same from a canvas in the browser, where the function must be
 * self-contained (it is sent to the page), so the two cannot share one reader.
 */
function stamp(rgb) {
  const block = Math.floor(W / 40);
  const lit = (x, y) => rgb[(y * W + x) * 3] > 128;
  let ms = 0;
  for (let i = 39; i >= 0; i--) {
    const x = i * block + (block >> 1);
    const bit = lit(x, block >> 1);
    if (bit === lit(x, block + (block >> 1))) return null;
    ms = ms * 2 + (bit ? 1 : 0);
  }
  return ms;
}
const age = (rgb) => {
  const s = stamp(rgb);
  return s === null ? null : (Date.now() % 2 ** 40) - s;
};

async function run(gopSeconds) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const cam = spawn('/usr/bin/python3', [path.join(root, 'test/helpers/rtsp-camera.py'), String(port), '--stamp', '--size', `${W}x${H}`, '--fps', '25', '--gop', String(25 * gopSeconds), '--bitrate', '4000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => cam.stdout.on('data', (d) => String(d).includes('READY') && r()));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cctv-bench-join-'));
  writeFileSync(path.join(dataDir, 'cctv.config.json'), JSON.stringify({ dataDir, cameras: { front: { url: `rtsp://127.0.0.1:${port}/cam` } }, record: { segmentSeconds: 900 } }));
  const rec = spawn(process.execPath, [path.join(root, 'bin/cctv.js'), '--config', path.join(dataDir, 'cctv.config.json'), 'record'], { stdio: 'ignore' });
  await sleep(10_000);
  const db = openDb(dataDir);
  const pool = new DecoderPool({ width: W, height: H });
  pool.warm(false);
  await sleep(1000);
  const sessions = [];
  for (let s = 0; s < SESSIONS; s++) {
    const t0 = Date.now();
    const frames = new LiveFrames({ db, dataDir, camera: 'front', keyframesOnly: false, decoders: pool, request: { format: 'rgb24', width: W, height: H } });
    let first = null;
    const steady = [];
    while (Date.now() - t0 < 4000) {
      await sleep(20);
      const p = frames.latest();
      if (!p) continue;
      if (!first) first = { afterMs: Date.now() - t0, ageMs: age(p.data) };
      else if (Date.now() - t0 > first.afterMs + 1500) steady.push(age(p.data));
    }
    frames.stop();
    await frames.done;
    sessions.push({ firstPictureMs: first?.afterMs ?? null, firstPictureAgeMs: first?.ageMs ?? null, steadyLagMs: range(steady.filter((x) => x !== null)) });
    console.error(gopSeconds, JSON.stringify(sessions.at(-1)));
    await sleep(1500);
  }
  await pool.close();
  db.close();
  rec.kill('SIGINT');
  await new Promise((r) => rec.once('exit', r));
  cam.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  return {
    keyframeEverySeconds: gopSeconds,
    firstPictureMs: range(sessions.map((s) => s.firstPictureMs)),
    firstPictureAgeMs: range(sessions.map((s) => s.firstPictureAgeMs)),
    steadyLagMs: range(sessions.flatMap((s) => s.steadyLagMs)),
    sessions,
  };
}

const results = [];
for (const gop of [1, 4]) results.push(await run(gop));
const out = {
  benchmark: 'live-join',
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  camera: 'RTSP test camera, wall clock burned in, 1920x1080 25 fps H.264 4 Mbit/s; cctv record 900 s mkv segments; decoded at full size',
  results,
};
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'results', 'live-join.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
process.exit(0);
