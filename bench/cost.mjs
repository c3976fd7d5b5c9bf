// Cost model of the AWS side (S3 + the two Lambda hooks + Rekognition + SNS) per camera-month, from measured figures:
//   frames per event  ← bench/results/detect.json (the planner + early stop on real footage, maxFramesPerEvent 5)
//   bytes per event   ← bench/results/upload.json (clip mode), else a clip cut here with ffmpeg
//   local analysis    ← bench/results/analyze.json (uploaded → analyzed on premise, local detector): how long the
//                       analyze hook's grace wait (local_analysis_grace_seconds) lasts before it sees the labels
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
  // Requests per event: uploader PUT clip, PutObjectTagging, PUT poster, PUT manifest (4); + the analyze hook's manifest
  // write when it analysed; + on-premise `cctv analyze` (boxed poster, manifest, labels tag: 3) when it runs.
  uploaderPuts: 4,
  hookPuts: 1,
  localAnalyzePuts: 3,
  // HEAD/GET per event: uploader verification (3 HEAD); transcode HEAD + 64 KiB range + ffprobe reads (≈4); the no-op
  // invocation after the next manifest write (1) = 8; + the analyze hook's manifest GET + ffprobe/ffmpeg range reads (≈6)
  // when it samples frames, 1 GET when it settles or skips, + 1 GET per poll while it waits; + on-premise `cctv analyze`
  // (manifest GET, put verification: ≈3) when it runs.
  baseGets: 8,
  hookDetectGets: 6,
  localAnalyzeGets: 3,
  // Lambda: measured handler times on 2 shared cores were 0.3-2 s (test/lambda); Lambda memory as in variables.tf.
  analyzeGb: 1.0,
  analyzeSeconds: 3.0, // probe + frame extraction over HTTP + DetectLabels round trips
  settleSeconds: 0.5, // camera AI label settled it: manifest read + write + alert, no frames
  transcodeGb: 2.0,
  transcodeSeconds: 1.0, // no-op path for cctv's own faststart H.264 clips (HEAD, 64 KiB, ffprobe over HTTP)
  noopSeconds: 0.2, // an invocation that reads the manifest and skips (settled already)
  invocationsPerEvent: 3, // transcode + analyze + analyze no-op (fired by the hook's own write or by cctv analyze's)
  graceSeconds: 30, // local_analysis_grace_seconds default
  pollSeconds: 2, // the hook re-reads the manifest every 2 s while it waits (pollIntervalMs(30))
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

// How long after the uploader's manifest write the on-premise analysis lands (measured), and so how long the hook
// waits: it sees the labels at its first re-read after that.
const localMs = read('analyze.json').uploadedToAnalyzedMs;
const localWaitSeconds = Math.ceil(localMs.median / 1000 / A.pollSeconds) * A.pollSeconds;

/**
 * What the analyze hook does with one event under a design: Rekognition frames, billed seconds (grace wait + work),
 * whether it writes the manifest, manifest re-reads while waiting, and whether `cctv analyze` runs on premise.
 */
const rekognition = (e, waitSeconds = 0) => ({ frames: e.frames, seconds: waitSeconds + A.analyzeSeconds, hookWrites: 1, polls: Math.ceil(waitSeconds / A.pollSeconds), local: 0, gets: A.hookDetectGets });
const settle = () => ({ frames: 0, seconds: A.settleSeconds, hookWrites: 1, polls: 0, local: 0, gets: 1 });
const SCENARIOS = [
  { id: 'hook-every-event', name: 'Cloud only, hook runs Rekognition on every event (no skip rule), measured mix', per: (e) => rekognition(e), mix: events },
  { id: 'cloud-only-grace-0', name: "Cloud only (no `cctv analyze` on premise), local_analysis_grace_seconds = 0: camera AI labels person events (skip rule), early stop on the rest", per: (e) => (e.person ? settle() : rekognition(e)), mix: events },
  { id: 'cloud-only-default-grace', name: 'Cloud only, grace left at the default 30 s: unsettled clips wait it out first (set it to 0)', per: (e) => (e.person ? settle() : rekognition(e, A.graceSeconds)), mix: events },
  { id: 'people-only', name: 'Cloud only, events with people only (camera fires on people), no skip rule', per: (e) => rekognition(e), mix: withPeople },
  {
    id: 'default-local-settles',
    name: `**Default**: on-premise \`cctv analyze\` (local detector) after \`cctv upload\`, hooks deployed, grace 30 s: the hook waits ~${localWaitSeconds} s, sees the local labels, skips`,
    per: () => ({ frames: 0, seconds: localWaitSeconds + A.noopSeconds, hookWrites: 0, polls: localWaitSeconds / A.pollSeconds, local: 1, gets: 1 }),
    mix: events,
  },
];

const eventsPerMonth = A.eventsPerDay * A.daysPerMonth;
const GB = 1e9;

function monthly(s) {
  const per = s.mix.map(s.per);
  const mean = (k) => avg(per.map((p) => p[k]));
  const framesPerEvent = mean('frames');
  const objBytes = bytesPerEvent + A.posterBytes + A.manifestBytes;
  // Steady state (after expire_after_days): Standard holds standardDays of everything; Glacier IR holds the clips
  // for the rest of the year (posters and manifests stay in Standard, they are not tagged class=clip).
  const standardGb = (eventsPerMonth / A.daysPerMonth) * (A.standardDays * objBytes + (A.expireDays - A.standardDays) * (A.posterBytes + A.manifestBytes)) / GB;
  const glacierGb = (eventsPerMonth / A.daysPerMonth) * (A.expireDays - A.standardDays) * bytesPerEvent / GB;
  const analyzeSeconds = mean('seconds');
  const lambdaGbS = eventsPerMonth * (A.analyzeGb * analyzeSeconds + A.transcodeGb * A.transcodeSeconds + A.analyzeGb * A.noopSeconds);
  const puts = A.uploaderPuts + A.hookPuts * mean('hookWrites') + A.localAnalyzePuts * mean('local');
  const gets = A.baseGets + mean('gets') + mean('polls') + A.localAnalyzeGets * mean('local');
  const invocations = eventsPerMonth * A.invocationsPerEvent;
  const alerts = eventsPerMonth * (withPeople.length / events.length);
  const items = {
    rekognition: eventsPerMonth * framesPerEvent * PRICE.rekognitionImage,
    s3Standard: standardGb * PRICE.s3StandardGbMonth,
    s3GlacierIr: glacierGb * PRICE.glacierIrGbMonth,
    s3Transitions: (eventsPerMonth / 1000) * PRICE.glacierIrTransitionPer1000,
    s3Requests: (eventsPerMonth * puts / 1000) * PRICE.putPer1000 + (eventsPerMonth * gets / 1000) * PRICE.getPer1000,
    lambda: lambdaGbS * PRICE.lambdaGbSecond + (invocations / 1e6) * PRICE.lambdaPerMillion,
    sns: (alerts / 1e6) * PRICE.snsPublishPerMillion + (Math.max(0, alerts - 1000) / 1e5) * PRICE.snsEmailPer100k,
    logs: (invocations * A.logBytesPerInvocation / GB) * PRICE.logsIngestGb,
  };
  const total = Object.values(items).reduce((a, b) => a + b, 0);
  return { framesPerEvent: round(framesPerEvent, 2), analyzeSecondsPerEvent: round(analyzeSeconds, 2), putsPerEvent: round(puts, 2), getsPerEvent: round(gets, 2), items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, round(v, 3)])), total: round(total, 2), standardGb: round(standardGb, 1), glacierGb: round(glacierGb, 1) };
}
const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;

const naive = (24 * 60 / A.naiveSegmentMinutes) * A.naiveSegmentMinutes * PRICE.rekognitionVideoMinute * A.daysPerMonth;
const results = SCENARIOS.map((s) => ({ id: s.id, name: s.name, events: s.mix.length, ...monthly(s) }));
const out = {
  at: new Date().toISOString(),
  inputs: {
    framesPerEvent: { source: 'bench/results/detect.json', maxFramesPerEvent: maxFrames, events: events.length, withPeople: withPeople.length, empty: empty.length,
      averageAll: round(avg(events.map((e) => e.frames)), 2), averageWithPeople: round(avg(withPeople.map((e) => e.frames)), 2), averageEmpty: round(avg(empty.map((e) => e.frames)), 2) },
    bytesPerEvent: { source: bytesSource, bytes: bytesPerEvent },
    localAnalysis: { source: 'bench/results/analyze.json uploadedToAnalyzedMs', medianMs: localMs.median, maxMs: localMs.max, hookWaitSeconds: localWaitSeconds },
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
  `On-premise analysis lands ${(localMs.median / 1000).toFixed(1)} s (median, max ${(localMs.max / 1000).toFixed(1)} s) after upload (bench/results/analyze.json); the hook re-reads every ${A.pollSeconds} s.`,
  '',
  '| design | Rekognition frames/event | analyze λ s/event | Rekognition | S3 storage (steady state) | S3 requests + transitions | Lambda | SNS + logs | **total** |',
  '|---|---|---|---|---|---|---|---|---|',
  `| naive: every 15-min segment to Rekognition Video ($0.10/min) | — | — | ${$(naive)} | — | — | — | — | **${$(naive)}** |`,
  ...results.map((r) => `| ${r.name} | ${r.framesPerEvent} | ${r.analyzeSecondsPerEvent} | ${$(r.items.rekognition)} | ${$(r.items.s3Standard + r.items.s3GlacierIr)} | ${$(r.items.s3Requests + r.items.s3Transitions)} | ${$(r.items.lambda)} | ${$(r.items.sns + r.items.logs)} | **${$(r.total)}** |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
