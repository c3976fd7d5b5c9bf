// Detector benchmark: seconds per frame of the local detector, and frames examined per event with
// early stop vs the configured maximum. Plain node against the compiled library:
//   npx tsc -p tsconfig.json && node bench/detect.mjs
// Writes bench/results/detect.json.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'lib');
const { ensureVtest } = await import(path.join(dist, 'demo', 'vtest.js'));
const { createDetector, detectConfigSchema } = await import(path.join(dist, 'detect', 'index.js'));
const { examineClip } = await import(path.join(dist, 'detect', 'examine.js'));
const { extractFrames } = await import(path.join(dist, 'ffmpeg', 'frames.js'));

const config = detectConfigSchema.parse(undefined);
const vtest = await ensureVtest();
const work = await mkdtemp(path.join(tmpdir(), 'cctv-bench-detect-'));
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  let t0 = process.hrtime.bigint();
  const detector = await createDetector(config);
  const loadMs = ms(t0);

  // Seconds per frame: 12 frames spread over vtest, extracted in one ffmpeg pass.
  const times = Array.from({ length: 12 }, (_, i) => 2 + i * 6.5);
  t0 = process.hrtime.bigint();
  const frames = await extractFrames(vtest, times, detector.input);
  const extractMs = ms(t0);
  const perFrame = [];
  const people = [];
  for (const f of frames) {
    t0 = process.hrtime.bigint();
    const found = await detector.detect(f);
    perFrame.push(ms(t0));
    people.push(found.filter((d) => d.name === 'person').length);
  }

  // Frames per event: 15 s event clips cut from vtest (5 s pre-roll), plus two clips with nobody.
  const clips = [];
  for (const start of [0, 12, 24, 36, 48, 60]) {
    const out = path.join(work, `event-${start}.mp4`);
    await exec('ffmpeg', ['-v', 'error', '-y', '-ss', String(start), '-i', vtest, '-t', '15', '-c:v', 'libx264', '-preset', 'ultrafast', out]);
    clips.push({ name: `vtest@${start}s`, source: out, people: true });
  }
  for (const [name, src] of [['pattern', 'testsrc2=size=768x576:rate=10'], ['empty', 'color=c=0x6b7b5a:size=768x576:rate=10,noise=alls=18:allf=t']]) {
    const out = path.join(work, `${name}.mp4`);
    await exec('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', src, '-t', '15', '-c:v', 'libx264', '-preset', 'ultrafast', out]);
    clips.push({ name, source: out, people: false });
  }
  const events = [];
  for (const c of clips) {
    t0 = process.hrtime.bigint();
    const r = await examineClip({
      source: c.source, eventStartOffsetSeconds: 5, detector, maxFrames: config.maxFramesPerEvent,
      minConfidence: config.minConfidence, labels: config.labels, alertOn: ['person'],
    });
    events.push({ clip: c.name, frames: r.frames, labels: r.labels.map((l) => `${l.name}:${l.confidence}`), ms: Math.round(ms(t0)) });
  }
  await detector.close();

  const withPeople = events.filter((_, i) => clips[i].people);
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    detector: 'local (human CenterNet, tfjs wasm, 512x512 rgb24)',
    modelLoadMs: Math.round(loadMs),
    extraction: { frames: frames.length, msTotal: Math.round(extractMs), msPerFrame: Math.round(extractMs / frames.length) },
    secondsPerFrame: { median: +(median(perFrame) / 1000).toFixed(3), first: +(perFrame[0] / 1000).toFixed(3), max: +(Math.max(...perFrame) / 1000).toFixed(3) },
    peoplePerFrameAtMinConfidence: { minConfidence: config.minConfidence, counts: people },
    framesPerEvent: {
      maxFramesPerEvent: config.maxFramesPerEvent,
      alertOn: ['person'],
      averageWithPeople: +(withPeople.reduce((s, e) => s + e.frames, 0) / withPeople.length).toFixed(2),
      averageAll: +(events.reduce((s, e) => s + e.frames, 0) / events.length).toFixed(2),
      events,
    },
  };
  await mkdir(path.join(here, 'results'), { recursive: true });
  await writeFile(path.join(here, 'results', 'detect.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} finally {
  await rm(work, { recursive: true, force: true });
}
