// Cost model of the AWS side (S3 + the two Lambda hooks + Rekognition + SNS) per camera-month, from measured figures:
//   frames per event  ← bench/results/detect.json (the planner + early stop on real footage, maxFramesPerEvent 5)
//   bytes per event   ← bench/results/upload.json (clip mode), else a clip cut here with ffmpeg
// against the naive design (every 15-minute segment to Rekognition Video).
//   node bench/cost.mjs   → bench/results/cost.json + a markdown table on stdout
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f) => JSON.parse(readFileSync(path.join(root, 'bench/results', f), 'utf8'));

// us-east-1 list prices (USD), checked against aws.amazon.com/pricing at the time of writing.
const PRICE = {
  s3StandardGbMonth: 0.023,
  glacierIrGbMonth: 0.004,
  glacierIrTransitionPer1000: 0.02,
  putPer1000: 0.005, // PUT, COPY, POST, LIST; PutObjectTagging is billed as a PUT
  getPer1000: 0.0004, // GET, HEAD and all other requests
  rekognitionImage: 0.001, // DetectLabels, first 1M images a month
  rekognitionVideoMinute: 0.1, // label detection on stored video
  lambdaGbSecond: 0.0000166667, // x86_64
  lambdaPerMillion: 0.2,
  snsPublishPerMillion: 0.5,
  snsEmailPer100k: 2.0, // after the first 1,000 a month
  logsIngestGb: 0.5,
};

// Assumptions (stated in the output).
const A = {
  eventsPerDay: 100,
  daysPerMonth: 30,
  standardDays: 30, // glacier_after_days default
  expireDays: 365, // expire_after_days default
  posterBytes: 40_000,
  manifestBytes: 2_000,
  // Requests per event: uploader PUT clip, PutObjectTagging, PUT poster, PUT manifest; the analyze hook's manifest write.
  putsPerEvent: 5,
  // HEAD/GET per event: uploader verification (3 HEAD); transcode HEAD + 64 KiB range + ffprobe reads (≈4);
  // analyze manifest GET + ffprobe/ffmpeg range reads (≈6); the no-op invocation after the hook's own write (1).
  getsPerEvent: 14,
  // Lambda: measured handler times on 2 shared cores were 0.3-2 s (test/lambda); Lambda memory as in variables.tf.
  analyzeGb: 1.0,
  analyzeSeconds: 3.0, // probe + frame extraction over HTTP + DetectLabels round trips
  transcodeGb: 2.0,
  transcodeSeconds: 1.0, // no-op path for cctv's own faststart H.264 clips (HEAD, 64 KiB, ffprobe over HTTP)
  noopSeconds: 0.2, // the invocation fired by the hook's own manifest write
  invocationsPerEvent: 3, // transcode + analyze + analyze no-op
  logBytesPerInvocation: 2_000,
  naiveSegmentMinutes: 15,
};

// ---- measured inputs ----
const detect = read('detect.json');
const events = detect.framesPerEvent.events.map((e) => ({ frames: e.frames, person: e.labels.some((l) => l.startsWith('person')) }));
const maxFrames = detect.framesPerEvent.maxFramesPerEvent;
let bytesPerEvent;
let bytesSource;
if (existsSync(path.join(root, 'bench/results/upload.json')) && read('upload.json').bytesPerEvent?.clipMode) {
  bytesPerEvent = read('upload.json').bytesPerEvent.clipMode;
  bytesSource = `bench/results/upload.json bytesPerEvent.clipMode (${read('upload.json').latency?.camera ?? 'camera'}, ${read('upload.json').latency?.windowSeconds ?? '?'} s window)`;
} else {
  // Measure: a 15 s clip (5 s pre-roll + event + 10 s post-roll) of 1080p H.264 at 2 Mb/s, cut as cctv cuts (-c copy, faststart).
  const dir = mkdtempSync(path.join(tmpdir(), 'cctv-cost-'));
  const clip = path.join(dir, 'clip.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', '15',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '2M', '-maxrate', '2M', '-bufsize', '4M', '-g', '50', '-movflags', '+faststart', clip]);
  bytesPerEvent = statSync(clip).size;
  bytesSource = 'measured here: 15 s 1080p H.264 2 Mb/s clip';
  rmSync(dir, { recursive: true, force: true });
}

const avg = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const withPeople = events.filter((e) => e.person);
const empty = events.filter((e) => !e.person);

/**
 * Rekognition frames per event under each design. `settled` events cost no frame (the hook's skip rule): the camera's
 * own AI said person, or the on-premise local detector analysed the clip before the hook saw its manifest.
 */
const SCENARIOS = [
  { id: 'hook-every-event', name: 'Hook runs Rekognition on every event (no skip), measured mix', frames: avg(events.map((e) => e.frames)) },
  { id: 'camera-ai-settles-people', name: "Camera AI labels person events (skip rule), empty motion still sampled", frames: avg(events.map((e) => (e.person ? 0 : e.frames))) },
  { id: 'people-only', name: 'Events with people only (camera fires on people), no skip', frames: avg(withPeople.map((e) => e.frames)) },
  { id: 'local-settles-all', name: 'On-premise local detector settled every clip first (skip rule)', frames: 0 },
];

const eventsPerMonth = A.eventsPerDay * A.daysPerMonth;
const GB = 1e9;

function monthly(framesPerEvent) {
  const objBytes = bytesPerEvent + A.posterBytes + A.manifestBytes;
  // Steady state (after expire_after_days): Standard holds standardDays of everything; Glacier IR holds the clips
  // for the rest of the year (posters and manifests stay in Standard, they are not tagged class=clip).
  const standardGb = (eventsPerMonth / A.daysPerMonth) * (A.standardDays * objBytes + (A.expireDays - A.standardDays) * (A.posterBytes + A.manifestBytes)) / GB;
  const glacierGb = (eventsPerMonth / A.daysPerMonth) * (A.expireDays - A.standardDays) * bytesPerEvent / GB;
  const lambdaGbS = eventsPerMonth * (A.analyzeGb * A.analyzeSeconds + A.transcodeGb * A.transcodeSeconds + A.analyzeGb * A.noopSeconds);
  const invocations = eventsPerMonth * A.invocationsPerEvent;
  const alerts = eventsPerMonth * (withPeople.length / events.length);
  const items = {
    rekognition: eventsPerMonth * framesPerEvent * PRICE.rekognitionImage,
    s3Standard: standardGb * PRICE.s3StandardGbMonth,
    s3GlacierIr: glacierGb * PRICE.glacierIrGbMonth,
    s3Transitions: (eventsPerMonth / 1000) * PRICE.glacierIrTransitionPer1000,
    s3Requests: (eventsPerMonth * A.putsPerEvent / 1000) * PRICE.putPer1000 + (eventsPerMonth * A.getsPerEvent / 1000) * PRICE.getPer1000,
    lambda: lambdaGbS * PRICE.lambdaGbSecond + (invocations / 1e6) * PRICE.lambdaPerMillion,
    sns: (alerts / 1e6) * PRICE.snsPublishPerMillion + (Math.max(0, alerts - 1000) / 1e5) * PRICE.snsEmailPer100k,
    logs: (invocations * A.logBytesPerInvocation / GB) * PRICE.logsIngestGb,
  };
  const total = Object.values(items).reduce((a, b) => a + b, 0);
  return { framesPerEvent: round(framesPerEvent, 2), items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, round(v, 3)])), total: round(total, 2), standardGb: round(standardGb, 1), glacierGb: round(glacierGb, 1) };
}
const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;

const naive = (24 * 60 / A.naiveSegmentMinutes) * A.naiveSegmentMinutes * PRICE.rekognitionVideoMinute * A.daysPerMonth;
const results = SCENARIOS.map((s) => ({ ...s, ...monthly(s.frames) }));
const out = {
  at: new Date().toISOString(),
  inputs: {
    framesPerEvent: { source: 'bench/results/detect.json', maxFramesPerEvent: maxFrames, events: events.length, withPeople: withPeople.length, empty: empty.length,
      averageAll: round(avg(events.map((e) => e.frames)), 2), averageWithPeople: round(avg(withPeople.map((e) => e.frames)), 2), averageEmpty: round(avg(empty.map((e) => e.frames)), 2) },
    bytesPerEvent: { source: bytesSource, bytes: bytesPerEvent },
  },
  assumptions: A,
  prices: PRICE,
  naivePerCameraMonth: round(naive, 0),
  scenarios: results,
  goalPerCameraMonth: 5,
};
writeFileSync(path.join(root, 'bench/results/cost.json'), `${JSON.stringify(out, null, 2)}\n`);

const $ = (x) => (x >= 100 ? `$${x.toLocaleString('en-US', { maximumFractionDigits: 0 })}` : `$${x.toFixed(2)}`);
const lines = [
  `Per camera-month, ${A.eventsPerDay} events/day, us-east-1 list prices; clip ${(bytesPerEvent / 1e6).toFixed(2)} MB/event (${bytesSource}); frames from ${out.inputs.framesPerEvent.source} (${events.length} clips, ${withPeople.length} with people).`,
  '',
  '| design | Rekognition frames/event | Rekognition | S3 storage (steady state) | S3 requests + transitions | Lambda | SNS + logs | **total** |',
  '|---|---|---|---|---|---|---|---|',
  `| naive: every 15-min segment to Rekognition Video ($0.10/min) | — | ${$(naive)} | — | — | — | — | **${$(naive)}** |`,
  ...results.map((r) => `| ${r.name} | ${r.framesPerEvent} | ${$(r.items.rekognition)} | ${$(r.items.s3Standard + r.items.s3GlacierIr)} | ${$(r.items.s3Requests + r.items.s3Transitions)} | ${$(r.items.lambda)} | ${$(r.items.sns + r.items.logs)} | **${$(r.total)}** |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
