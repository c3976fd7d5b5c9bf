import './ffmpeg-env.js'; // first: maps CCTV_FFMPEG_PATH before src/lib/ffmpeg/run.ts loads
import { alerts, decideAlert } from '../lib/alerts/decide.js';
import { alertLink } from '../lib/alerts/links.js';
import { sendWithRetries } from '../lib/alerts/deliver.js';
import { composeAlert } from '../lib/alerts/message.js';
import type { Alert, AlertSink } from '../lib/alerts/types.js';
import { createWebhookSink } from '../lib/alerts/webhook.js';
import { examineSettings, readManifest, toLabels, writeManifest } from '../lib/analyze/results.js';
import { examineClip } from '../lib/detect/examine.js';
import { createDetector, type Detector } from '../lib/detect/index.js';
import { RuntimeError } from '../lib/errors.js';
import { setLogLevel } from '../lib/log.js';
import type { DetectionLabel } from '../lib/pipeline/records.js';
import type { Storage } from '../lib/storage/index.js';
import { sleep } from '../lib/wait.js';
import { parseClipKey } from '../lib/sites.js';
import { eachObject, hookStorage, storageKey, type HookDeps, type Outcome } from './common.js';
import { HOOK_FIELD, manifestAgeSeconds, planAnalysis, pollIntervalMs, type AnalysisPlan, type HookMarker } from './policy.js';
import { analyzeSettings, type AnalyzeSettings } from './env.js';
import { createdObjects, type CreatedObject, type S3Event } from './s3-event.js';
import { createSnsSink } from './sns.js';
import { monotonicMs } from '../lib/time.js';

/**
 * The analyze hook: S3 → `clips/…/<id>.json` (the manifest, which cctv uploads after the clip and poster).
 * Same library code as `cctv analyze`: planAnalysis decides whether anything is left to find out (the cost
 * rule); examineClip samples the planner's frames of the clip (read through a presigned URL: ffmpeg fetches
 * only the ranges it needs) and runs Rekognition DetectLabels with early stop; writeManifest stores the labels
 * with the hook's marker; decideAlert + composeAlert + the webhook sink (and SNS) alert.
 *
 * The on-premise race: with the default pipeline (`cctv upload | cctv analyze`, local detector) the uploader's
 * manifest write fires this hook before `cctv analyze` has written its labels. An unsettled manifest younger
 * than CCTV_LOCAL_GRACE_SECONDS (planAnalysis → wait) is re-read every pollIntervalMs until an analysis lands
 * (→ skip: no Rekognition) or the grace period is over (→ Rekognition), never past the invocation's time budget.
 *
 * Idempotent, no recursion: the manifest write fires this hook again, and so does any duplicate delivery; both
 * see the marker (planAnalysis → skip) and return without a Rekognition call, a write or an alert. The alert
 * goes out after the marker is stored, so a crash in between loses an alert rather than sending it twice.
 *
 * Differences from `cctv analyze`, by design of the IAM role (it may only write manifests): the poster is not
 * replaced by the boxed best frame and the clip's `labels` tag is not set; there is no catalog, so alerts are
 * once per clip, without the per-camera cooldown.
 */

/** How long the presigned URL ffmpeg reads the clip through stays valid. */
export const SOURCE_SECONDS = 600;
/** Time an invocation keeps for the work after a grace wait (frames, Rekognition, write, alert retries). */
export const WORK_RESERVE_MS = 60_000;
/** The wait between tries of an alert sink (shorter than the Alerter's: the invocation's time is billed). */
const ALERT_BACKOFF = { baseMs: 500, maxMs: 5000 };

/** The part of Lambda's context the hook reads. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

interface Hook {
  settings: AnalyzeSettings;
  storage: Storage;
  sinks: AlertSink[];
  detector?: Promise<Detector>;
}

export function createAnalyzeHandler(deps: HookDeps = {}): (event: S3Event, context?: LambdaContext) => Promise<{ results: Outcome[] }> {
  let hook: Hook | undefined;
  return async (event, context) => {
    hook ??= init(deps);
    const h = hook;
    const objects = createdObjects(event);
    // Without a Lambda context (tests, other runtimes) the grace period is not capped.
    const deadlineMs = context ? monotonicMs() + context.getRemainingTimeInMillis() - WORK_RESERVE_MS : Number.POSITIVE_INFINITY;
    return { results: await eachObject(objects, (o) => analyzeObject(h, o, deadlineMs)) };
  };
}

function init(deps: HookDeps): Hook {
  const settings = analyzeSettings(deps.env ?? process.env);
  if (settings.logLevel) setLogLevel(settings.logLevel);
  const { alerts: cfg } = settings.config;
  const sinks: AlertSink[] = [
    ...(cfg.webhook ? [createWebhookSink(cfg.webhook)] : []),
    ...(settings.snsTopicArn ? [createSnsSink({ topicArn: settings.snsTopicArn, ...(settings.snsEndpoint ? { endpoint: settings.snsEndpoint } : {}) })] : []),
  ];
  return { settings, storage: deps.storage ?? hookStorage(settings.config), sinks };
}

async function analyzeObject(h: Hook, o: CreatedObject, deadlineMs: number): Promise<Outcome> {
  const { config } = h.settings;
  const key = storageKey(h.storage, o);
  const parts = key === null ? null : parseClipKey(key);
  if (key === null || parts?.ext !== 'json') return { key: o.key, outcome: 'ignored' };
  const seenMs = Date.now();
  const planFor = (m: unknown, graceSeconds: number): AnalysisPlan => planAnalysis(m, {
    alertOn: config.alerts.on, detectLabels: config.detect.labels, ageSeconds: manifestAgeSeconds(o.eventTime, seenMs, Date.now()), graceSeconds,
  });
  let manifest = await readManifest(h.storage, key);
  let plan = planFor(manifest, h.settings.localGraceSeconds);
  let waitedMs = 0;
  // The grace period: re-read until an on-premise analysis settles the clip or the manifest is old enough.
  while (plan.action === 'wait') {
    const ms = Math.min(plan.seconds * 1000, pollIntervalMs(h.settings.localGraceSeconds), deadlineMs - monotonicMs());
    if (ms <= 0) {
      plan = planFor(manifest, 0); // out of time budget: the grace period ends here
      break;
    }
    await sleep(ms);
    waitedMs += ms;
    manifest = await readManifest(h.storage, key);
    plan = planFor(manifest, h.settings.localGraceSeconds);
  }
  const waited = waitedMs > 0 ? { waitedSeconds: Math.round(waitedMs) / 1000 } : {};
  if (plan.action === 'skip' || plan.action === 'wait' || manifest === null) return { key, outcome: 'skipped', reason: plan.reason, ...waited };

  const clipKey = `${parts.base}.mp4`;
  const camera = typeof manifest.camera === 'string' ? manifest.camera : parts.camera;
  const eventId = typeof manifest.eventId === 'string' ? manifest.eventId : null;
  const window = manifest.window as { start?: unknown } | undefined;
  const clipStartMs = typeof window?.start === 'string' ? Date.parse(window.start) : Date.now();

  let labels: DetectionLabel[];
  let frames = 0;
  let detector: string;
  if (plan.action === 'settle') {
    ({ labels, detector } = plan);
  } else {
    const d = await (h.detector ??= createDetector(config.detect));
    const result = await examineClip({
      source: (await h.storage.presign(clipKey, SOURCE_SECONDS)) ?? clipKey,
      ...(typeof manifest.durationSeconds === 'number' && manifest.durationSeconds > 0 ? { durationSeconds: manifest.durationSeconds } : {}),
      detector: d,
      ...examineSettings(config, manifest, eventId),
    });
    labels = toLabels(result.labels, clipStartMs);
    frames = result.frames;
    detector = d.name;
  }

  // No catalog here: the marker is the memory. Once per clip, no cooldown (alreadyAlerted is false: a clip that
  // alerted carries the marker and never gets this far again).
  const decision = decideAlert({
    found: labels.map((l) => l.name), alertOn: config.alerts.on, alreadyAlerted: false, otherAlertMs: null, atMs: clipStartMs, cooldownSeconds: 0,
  });
  const alert = alerts(decision) && h.sinks.length > 0;
  const marker: HookMarker = {
    by: 'cctv-analyze-hook', at: new Date().toISOString(), outcome: plan.action === 'settle' ? 'camera' : 'rekognition', frames, alert,
  };
  await writeManifest(h.storage, key, { ...manifest, [HOOK_FIELD]: marker }, { labels, detector, frames, analyzedAt: marker.at }, camera);

  let delivered: string[] = [];
  if (alert) {
    // Links as `cctv analyze` makes them (links.ts): the app's media route under alerts.publicUrl (CCTV_ALERT_PUBLIC_URL,
    // the key inside the site and ?site=), else presigned for alerts.presignSeconds (bounded by the role's session).
    const link = (kind: 'clip' | 'poster', objectKey: string, url: string) =>
      alertLink(config.alerts, h.storage, { kind, clipKey: parts.siteKey.replace(/\.json$/, '.mp4'), ...(parts.site ? { site: parts.site } : {}), objectKey, url });
    const message = composeAlert({
      camera, site: parts.site ?? undefined, eventId, labels, alertOn: config.alerts.on, detector,
      clip: await link('clip', clipKey, h.storage.urlFor(clipKey)),
      poster: typeof manifest.poster === 'string' ? await link('poster', `${parts.base}.jpg`, manifest.poster) : null,
    });
    delivered = await deliver(h.sinks, message, config.alerts.maxAttempts);
  }
  return { key, outcome: plan.action === 'settle' ? 'settled' : 'detected', reason: plan.reason, ...waited, frames, labels: labels.map((l) => l.name), alert, delivered };
}

/**
 * Sends the alert to every sink, each with alerts.maxAttempts tries (sendWithRetries, ALERT_BACKOFF). Throws after
 * trying them all when one still failed: the invocation errors (visible in the function's Errors metric); its
 * retry finds the marker and sends nothing twice.
 */
async function deliver(sinks: readonly AlertSink[], alert: Alert, maxAttempts: number): Promise<string[]> {
  const sent = await Promise.all(sinks.map((sink) => sendWithRetries(sink, alert, { maxAttempts, backoff: ALERT_BACKOFF, context: {} })));
  const failed = sinks.filter((_, i) => !sent[i]).map((s) => s.name);
  if (failed.length > 0) throw new RuntimeError(`alert not delivered to ${failed.join(', ')}`);
  return sinks.map((s) => s.name);
}

/** The Lambda entry point (`index.handler` in dist/lambda/analyze.zip). */
export const handler = createAnalyzeHandler();
