import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alerts, armedAt, decideAlert, type Alert, type AlertDecision, type Alerter } from '../alerts/index.js';
import { alertLink } from '../alerts/links.js';
import { composeAlert } from '../alerts/message.js';
import { getArming } from '../catalog/alerting.js';
import { hasAlerted, type AlertDelivery } from '../catalog/alerts.js';
import { eventKeyOf, liveLabels, nearestOtherAlert, saveAnalysis, type AnalysisRow } from '../catalog/analyses.js';
import { writeTransaction, type Db } from '../catalog/db.js';
import type { Config } from '../config/schema.js';
import { examineClip } from '../detect/examine.js';
import { createDetector, type Detector } from '../detect/index.js';
import { coveredByAny } from '../detect/labels.js';
import { UserError } from '../errors.js';
import type { AnalyzedRecord, DetectionLabel } from '../pipeline/records.js';
import type { Storage } from '../storage/index.js';
import { makeWorkDir } from '../work-dir.js';
import { clipTags, examineSettings, readManifest, siblingKeys, toLabels, writeManifest } from './results.js';

/** A clip to analyse: the fields of an `uploaded` record that matter (plain files: eventId null, poster null). */
export interface ClipInput {
  eventId: string | null;
  camera: string;
  /** ISO start of the clip (label times are this plus their offset). */
  start: string;
  /** Stored URL (`s3://…`, `file:///…` of the configured storage), another `file:///…`, or an http(s) URL. */
  url: string;
  /** The stored poster's URL; replaced by the detector's poster (boxes drawn) when something was found. */
  poster: string | null;
}

export interface AnalyzerOptions {
  db: Db;
  config: Config;
  storage: Storage;
  alerter: Alerter;
  /** A ready detector (tests, benchmarks); by default the configured one, created on first use. */
  detector?: Detector;
}

/** The alert an analysis sends if it is the event's one alert, and where it goes (the Alerter's durable queue). */
export interface AlertToQueue {
  alerter: Alerter;
  /** Which path decided: `analysis` (the clip's) or `live`. */
  origin: string;
  /** Composed beforehand (its links need storage); null when nothing found is alerted on. */
  alert: Alert | null;
  /** Storage keys of the pictures a sink may attach, read at delivery. */
  media: AlertDelivery['media'];
}

/**
 * The one decision path of both the live path and the end-of-event analysis: decides whether an analysis alerts,
 * records it with the decision and, when it is the event's alert, queues its delivery (alertOnce via the Alerter), all
 * in one write transaction, so two deciders (or two processes) never both see "not alerted yet" and a decided alert is
 * never lost: decideAlert against the catalog (this event alerted before, another alert of the camera within
 * alerts.cooldownSeconds either way, the camera's arm/snooze switch). `within` runs in the same transaction (the
 * durable queue completes its work item there). The caller wakes the Alerter afterwards.
 */
export function decideAndSave<T>(
  db: Db, config: Pick<Config, 'alerts'>, row: Omit<AnalysisRow, 'alert'>, send: AlertToQueue, within: (d: AlertDecision) => T,
): T {
  const eventKey = eventKeyOf(row);
  return writeTransaction(db, () => {
    const d = decideAlert({
      found: row.labels.map((l) => l.name),
      alertOn: config.alerts.on,
      alreadyAlerted: hasAlerted(db, eventKey),
      otherAlertMs: nearestOtherAlert(db, row.camera, row.startMs, eventKey),
      atMs: row.startMs,
      cooldownSeconds: config.alerts.cooldownSeconds,
      armed: armedAt(getArming(db, row.camera), Date.now()),
    });
    saveAnalysis(db, { ...row, alert: alerts(d) });
    if (d === 'new' && send.alert) send.alerter.queue(eventKey, send.origin, row.startMs, send.alert, send.media);
    return within(d);
  });
}

/** Pure: the clip's labels, then each label only the live path saw (by name), most confident first. */
export function withLiveLabels(clip: readonly DetectionLabel[], live: readonly DetectionLabel[]): DetectionLabel[] {
  const seen = new Set(clip.map((l) => l.name));
  return [...clip, ...live.filter((l) => !seen.has(l.name))].sort((a, b) => b.confidence - a.confidence);
}

/** How long the presigned URL ffmpeg reads an S3 clip through stays valid. */
export const SOURCE_URL_SECONDS = 600;

/**
 * `cctv analyze` as a library. analyze() looks at one clip with the configured detector (examineClip), then:
 * replaces the stored poster with the best frame (boxes drawn), writes `labels`, `detector`, `frames` and
 * `analyzedAt` into the clip's manifest, tags the clip object (`class=clip`, `labels=person+car`), upserts the
 * catalog's analyses/detections rows, decides the alert (decideAlert: alerts.on, per-camera cooldown on clip time,
 * once per event) and queues it with the Alerter in the same transaction (delivered in the background, durably).
 * Every step overwrites what an earlier analysis of the same clip wrote, so re-running is idempotent and never
 * re-alerts.
 */
export class Analyzer {
  private detector: Promise<Detector> | undefined;

  constructor(private readonly o: AnalyzerOptions) {
    if (o.detector) this.detector = Promise.resolve(o.detector);
  }

  /**
   * Analyses one clip. `within` is called with the `analyzed` record inside the catalog transaction that records the
   * analysis and the alert decision (the analysis queue keeps the record with its item there: analyze/queue.ts).
   */
  async analyze(clip: ClipInput, opts: { within?: (record: AnalyzedRecord) => void } = {}): Promise<AnalyzedRecord> {
    const { config, storage, db } = this.o;
    const detector = await (this.detector ??= createDetector(config.detect));
    const key = this.keyOf(clip.url);
    const siblings = key === null ? null : siblingKeys(key);
    const manifest = siblings ? await readManifest(storage, siblings.manifest) : null;
    const posterKey = clip.poster === null ? null : this.keyOf(clip.poster);
    const startMs = Date.parse(clip.start);
    const workDir = await makeWorkDir(config.dataDir, 'analyze');
    try {
      const posterOut = path.join(workDir, 'poster.jpg');
      const result = await examineClip({
        source: await this.sourceOf(clip.url, key),
        detector,
        ...examineSettings(config, manifest, clip.eventId),
        ...(posterKey !== null ? { posterOut } : {}),
      }).catch(async (err: unknown) => {
        // ffmpeg's failure does not say whether the store was down: ask the store, and report its outage if it is one.
        if (key !== null) await storage.stat(key);
        throw err;
      });
      const labels = withLiveLabels(toLabels(result.labels, startMs), clip.eventId === null ? [] : liveLabels(db, clip.eventId));
      if (result.poster && posterKey !== null) {
        await storage.put(posterKey, { path: result.poster }, { contentType: 'image/jpeg', metadata: { camera: clip.camera } });
      }
      if (siblings && manifest) {
        const analysis = { labels, detector: detector.name, frames: result.frames, analyzedAt: new Date().toISOString() };
        await writeManifest(storage, siblings.manifest, manifest, analysis, clip.camera);
      }
      if (key !== null && siblings) await storage.setTags(key, clipTags(labels));

      const row = { clipUrl: clip.url, eventId: clip.eventId, camera: clip.camera, startMs, detector: detector.name, frames: result.frames, labels };
      // The alert is composed before the decision (its links need storage), and queued with it in one transaction.
      const alert = labels.some((l) => coveredByAny(config.alerts.on, l.name)) ? await this.alertFor(clip, labels, detector.name) : null;
      const send = { alerter: this.o.alerter, origin: 'analysis', alert, media: { poster: posterKey, clip: key } };
      const record = decideAndSave(db, config, row, send, (d) => {
        const r: AnalyzedRecord = {
          v: 1, kind: 'analyzed', eventId: clip.eventId, camera: clip.camera, url: clip.url, detector: detector.name,
          frames: result.frames, labels, alert: alerts(d),
        };
        opts.within?.(r);
        return r;
      });
      this.o.alerter.wake();
      return record;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** The storage (or the network to it) had a moment: worth retrying for as long as the run goes on. */
  isOutage(err: unknown): boolean {
    return this.o.storage.classify(err) === 'retryable';
  }

  /** Releases the detector (the Alerter is the caller's: it may outlive the analyzer). */
  async close(): Promise<void> {
    const d = this.detector;
    this.detector = undefined;
    if (d && !this.o.detector) await (await d).close();
  }

  /** The storage key of a URL of the configured storage, else null. */
  private keyOf(url: string): string | null {
    try {
      return this.o.storage.keyFromUrl(url);
    } catch {
      return null;
    }
  }

  /** What ffmpeg reads: a local path (file URLs), a presigned URL (S3), or the http(s) URL as given. */
  private async sourceOf(url: string, key: string | null): Promise<string> {
    if (key !== null) return (await this.o.storage.presign(key, SOURCE_URL_SECONDS)) ?? fileURLToPath(this.o.storage.urlFor(key));
    if (url.startsWith('file:')) return fileURLToPath(url);
    if (/^https?:\/\//.test(url)) return url;
    throw new UserError(`${url}: not in the configured storage (${this.o.storage.url}) and not a file or http(s) URL`);
  }

  /**
   * A link for the alert (links.ts): with the app's public address, the web app's media route for this clip; else a
   * presigned URL (S3, alerts.presignSeconds) or the URL.
   */
  private async linkFor(clipUrl: string, posterUrl: string | null, kind: 'clip' | 'poster'): Promise<string | null> {
    const own = kind === 'clip' ? clipUrl : posterUrl;
    if (own === null) return null;
    return alertLink(this.o.config.alerts, this.o.storage, { kind, clipKey: this.keyOf(clipUrl), objectKey: this.keyOf(own), url: own });
  }

  private async alertFor(clip: ClipInput, labels: readonly DetectionLabel[], detector: string): Promise<Alert> {
    return composeAlert({
      camera: clip.camera, site: this.o.config.site, eventId: clip.eventId, labels, alertOn: this.o.config.alerts.on, detector,
      clip: (await this.linkFor(clip.url, clip.poster, 'clip'))!,
      poster: await this.linkFor(clip.url, clip.poster, 'poster'),
    });
  }
}
