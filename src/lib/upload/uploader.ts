import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeTransaction, type Db } from '../catalog/db.js';
import { openEvents, recordEvent } from '../catalog/events.js';
import { enqueue, markDone, markFailed, pendingCount, reschedule, resetFailed, saveResult, type WorkItem } from '../catalog/outbox.js';
import { segmentsOverlapping } from '../catalog/segments.js';
import { findUpload, saveUpload } from '../catalog/uploads.js';
import { Worker, type WorkerRow } from '../catalog/workers.js';
import { cutClip, makePoster, mediaInfo, playableFile, recordedEnds } from '../clips/cut.js';
import { clipKeyBase, eventWindow, planCut, readiness, type CutPlan } from '../clips/window.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { orphanedBy, orphanedByAgeAt, orphanEndMs, orphanEndRecord } from '../events/orphans.js';
import { eventId } from '../events/tracker.js';
import { log } from '../log.js';
import type { ClipRecord, EventRecord, UploadedRecord } from '../pipeline/records.js';
import type { ReadItem } from '../pipeline/ndjson.js';
import type { Storage } from '../storage/index.js';
import type { Span } from '../time.js';
import { backoffMs, fullJitter, type Backoff } from '../wait.js';
import { makeWorkDir } from '../work-dir.js';
import { WorkLoop } from '../work-loop.js';

export interface UploaderOptions {
  db: Db;
  config: Config;
  /** Where clips go; wrap it in withRetry for short blips (the outbox handles long outages). */
  storage: Storage;
  /**
   * Called with every `uploaded` record, in completion order; resolves once the record is delivered (written to
   * the pipe). An item is marked done only after that: a rejection (stdout closed) leaves it to be delivered again.
   */
  emit: (record: UploadedRecord) => void | Promise<void>;
  /** How long after a window's end to keep waiting for its recordings before cutting what exists. Default 30 s. */
  coverageWaitMs?: number;
  /** Backoff of failed work: doubles from base to max, with full jitter (wait.ts). Defaults 1 s and 10 s. */
  backoff?: Backoff;
  /**
   * A drain (`cctv upload < /dev/null`): no input will come. The run takes the drain role first and, when another
   * live process holds it, ends at once without claiming anything.
   */
  drain?: boolean;
  /** Once input has ended, how long storage may keep failing before the run ends (ms). Default upload.drainWaitSeconds. */
  drainWaitMs?: number;
  /** After SIGINT/SIGTERM, how long items in flight get to finish before their claims are let go (ms). Default 10 s. */
  stopGraceMs?: number;
}

export interface UploadStats {
  /** Pending items in the outbox (including those waiting for their recordings or for storage). */
  queued: number;
  inFlight: number;
  done: number;
  failed: number;
  bytes: number;
  startedMs: number;
  /** Stored items not yet shown by the progress view (which takes them out), oldest first; at most RECENT_MAX. */
  recent: { key: string; bytes: number; partial: boolean }[];
  lastError: string | null;
}

/** How a run ended with work left in the outbox (for the command's exit), or null when nothing was left. */
export type RunOutcome =
  | null
  | { left: number; why: 'storage'; sinceMs: number; lastError: string | null }
  | { left: number; why: 'another-drain'; holder: WorkerRow }
  | { left: number; why: 'stopped' | 'pipe' };

/** Stored items kept for the progress view (without a view nobody takes them: the oldest go). */
const RECENT_MAX = 100;

/** Non-storage failures (unreadable file, ffmpeg error) are tried this often per run, then marked failed. */
const MAX_ATTEMPTS = 5;
/**
 * After a window's end, how long a growing recording gets to flush it to disk before the first look (the recorder
 * writes mkv a cluster per video frame, flushed: the file lags the camera by about one frame, ~0.1 s at 10 fps).
 */
const FLUSH_MARGIN_MS = 250;
/** How often a window whose recordings are not on disk yet is looked at again (each look: one short ffprobe). */
const COVERAGE_POLL_MS = 200;
/** How often open events are checked for orphans (events whose end never came). */
const ORPHAN_SWEEP_MS = 10_000;
/** The role of the one drain that runs at a time. */
export const DRAIN_ROLE = 'drain:upload';

/** What working an item came to: try again at `wait` (ms since the epoch), or done (with what was stored). */
type WorkResult = { wait: number } | { done: UploadedRecord[]; note?: string };
/** What a finished item keeps until its records are delivered (outbox saveResult). */
interface SavedResult {
  records: UploadedRecord[];
  note: string | null;
}

/**
 * `cctv upload` as a library: `accept` writes each record it acts on to the catalog's outbox (before anything
 * else happens to it); `run` works the outbox with bounded concurrency until input has ended and nothing is pending.
 * Work items: an event `end` → the window's clip (or, with `upload.mode: segment`, its whole segments); a `clip`
 * record or file → that file, remuxed when browsers cannot play it; a `segment` record (`upload.continuous`) → the
 * segment, at a lower priority. Storage failures are retried with backoff for as long as input is open (after its
 * end, for `drainWaitMs` of failing storage); other failures MAX_ATTEMPTS times per run. Storage keys are
 * deterministic, so redoing an item overwrites.
 *
 * Each finished item goes: stored → its `uploaded` records and its analysis items saved with it in one transaction
 * (the analyze queue: `cctv analyze` finds them even if the record is lost on its way) → the records emitted
 * (delivered) → done. A kill anywhere re-emits, never loses: at least once downstream, deduplicated by analyze.
 * Events whose end never comes (orphans) are closed here: when the same source starts another event on the camera,
 * and when they are older than `events.maxEventSeconds` + post-roll (events/orphans.ts).
 */
export class Uploader {
  readonly stats: UploadStats = { queued: 0, inFlight: 0, done: 0, failed: 0, bytes: 0, startedMs: Date.now(), recent: [], lastError: null };
  private readonly coverageWaitMs: number;
  private readonly backoff: Backoff;
  private owner = '';
  private loop: WorkLoop | undefined;
  /** Since when storage has failed without a success in between (ms), or null. */
  private failingSince: number | null = null;
  private countedAt = 0;

  constructor(private readonly o: UploaderOptions) {
    this.coverageWaitMs = o.coverageWaitMs ?? 30_000;
    this.backoff = o.backoff ?? { baseMs: 1000, maxMs: 10_000 };
  }

  /**
   * Takes one input record. Returns true when upload consumed it (event, clip, and segment with
   * `upload.continuous`), false when it is to be passed through. Records of unknown cameras are reported and consumed.
   */
  accept(item: ReadItem, input = 'stdin'): boolean {
    if (!item.known) return false;
    const r = item.record;
    if (r.kind !== 'event' && r.kind !== 'clip' && !(r.kind === 'segment' && this.o.config.upload.continuous)) return false;
    if (!this.o.config.cameras[r.camera]) {
      log.warn({ input, line: item.line, camera: r.camera }, `${input} line ${item.line}: ${r.kind} record for unknown camera "${r.camera}"; skipped`);
      return true;
    }
    const { db } = this.o;
    if (r.kind === 'event') {
      writeTransaction(db, () => {
        if (r.state === 'start') {
          // The source has one event open per camera: its new one means the ends of its older ones were lost.
          const maxEventMs = this.o.config.events.maxEventSeconds * 1000;
          for (const e of orphanedBy(r, openEvents(db, { camera: r.camera, source: r.source }))) {
            this.recordEnd(orphanEndRecord(e, orphanEndMs(e, maxEventMs, Date.parse(r.start))));
          }
        }
        recordEvent(db, r);
        if (r.state === 'end') enqueue(db, { key: `event:${r.id}`, kind: 'event', payload: r });
      });
    } else if (r.kind === 'clip') {
      enqueue(db, { key: `file:${r.camera}:${r.path}:${r.at}`, kind: 'file', payload: r });
    } else {
      enqueue(db, { key: `segment:${r.path}`, kind: 'segment', payload: r });
    }
    this.loop?.wake();
    return true;
  }

  /**
   * Works the outbox until input has ended (`inputDone`) and nothing that this process can do remains: nothing
   * pending, or storage failing for `drainWaitMs` since input ended, or another process draining. `signal`
   * (SIGINT/SIGTERM, stdout closed) stops claiming at once; items in flight get `stopGraceMs` to finish. Whatever is
   * left stays in the outbox for the next run; the outcome says what and why.
   */
  async run(signal: AbortSignal, inputDone: Promise<void>): Promise<RunOutcome> {
    const { db, config } = this.o;
    const worker = new Worker(db, 'upload', (err) => log.warn({ err: errorMessage(err) }, 'upload: heartbeat not written; trying again'));
    this.owner = worker.id;
    const drainWaitMs = this.o.drainWaitMs ?? config.upload.drainWaitSeconds * 1000;
    let ended = false;
    let otherDrain: WorkerRow | null = null;
    const loop = new WorkLoop({ db, queue: 'upload', owner: worker.id, concurrency: config.upload.concurrency * 2, work: (item) => this.work(item) });
    this.loop = loop;
    const sweep = setInterval(() => this.closeOrphans(), ORPHAN_SWEEP_MS);
    try {
      if (this.o.drain) {
        otherDrain = worker.takeRole(DRAIN_ROLE);
        if (otherDrain) return { left: pendingCount(db, 'upload'), why: 'another-drain', holder: otherDrain };
      }
      const retried = resetFailed(db, 'upload');
      if (retried > 0) log.info({ items: retried }, 'retrying work that failed in an earlier run');
      this.closeOrphans();
      void inputDone.then(() => {
        ended = true;
        loop.wake();
      });
      const stop = (): boolean => {
        // Once input has ended the count decides the exit: it is read fresh (a count from before the last record was
        // queued would end the run with that record's work left undone).
        this.refreshCounts(ended);
        if (!ended) return false;
        otherDrain ??= this.o.drain ? null : worker.takeRole(DRAIN_ROLE);
        if (otherDrain) return true;
        if (this.stats.queued === 0 && loop.inFlight === 0) return true;
        return this.failingSince !== null && Date.now() - this.failingSince >= drainWaitMs;
      };
      await loop.run(signal, stop);
      const finished = await loop.settle(signal.aborted ? (this.o.stopGraceMs ?? 10_000) : undefined);
      if (!finished) log.warn({ inFlight: loop.inFlight }, 'upload: work still in flight at exit is left to the next run');
      this.refreshCounts(true);
      const left = this.stats.queued;
      if (left === 0) return null;
      if (signal.aborted) return { left, why: signal.reason === 'stdout closed' ? 'pipe' : 'stopped' };
      if (otherDrain) return { left, why: 'another-drain', holder: otherDrain };
      return { left, why: 'storage', sinceMs: this.failingSince ?? Date.now(), lastError: this.stats.lastError };
    } finally {
      clearInterval(sweep);
      this.loop = undefined;
      worker.stop();
      this.refreshCounts(true);
    }
  }

  /** Closes the open events older than max duration + post-roll (their end will never come): orphans. */
  private closeOrphans(): void {
    const { db, config } = this.o;
    const maxEventMs = config.events.maxEventSeconds * 1000;
    const postRollMs = config.events.postRollSeconds * 1000;
    try {
      const now = Date.now();
      const cutoff = now - (orphanedByAgeAt(0, maxEventMs, postRollMs));
      const orphans = openEvents(db, { startedBeforeMs: cutoff }).filter((e) => config.cameras[e.camera]);
      if (orphans.length === 0) return;
      writeTransaction(db, () => {
        for (const e of orphans) this.recordEnd(orphanEndRecord(e, orphanEndMs(e, maxEventMs)));
      });
      this.loop?.wake();
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'open events not checked for orphans; trying again later');
    }
  }

  /** Records an end cctv wrote itself (an orphan's) and queues its clip, as if it had come in. */
  private recordEnd(end: EventRecord): void {
    log.warn({ event: end.id, camera: end.camera, start: end.start, end: end.end }, 'event never ended (its source stopped or restarted): closed as orphaned; its clip covers what it may have lasted');
    recordEvent(this.o.db, end);
    enqueue(this.o.db, { key: `event:${end.id}`, kind: 'event', payload: end });
  }

  private refreshCounts(force = false): void {
    const now = Date.now();
    if (!force && now - this.countedAt < 250) return;
    this.countedAt = now;
    try {
      this.stats.queued = pendingCount(this.o.db, 'upload');
    } catch (err) {
      log.debug({ err: errorMessage(err) }, 'outbox not counted');
    }
    this.stats.inFlight = this.loop?.inFlight ?? 0;
  }

  private async work(item: WorkItem): Promise<void> {
    const { db } = this.o;
    let saved = item.result as SavedResult | null;
    if (saved === null) {
      let workDir: string | undefined;
      try {
        workDir = await makeWorkDir(this.o.config.dataDir, 'upload');
        const result = await this.perform(item, workDir);
        this.failingSince = null;
        if ('wait' in result) {
          reschedule(db, item.id, this.owner, result.wait, null);
          return;
        }
        saved = { records: result.done, note: result.note ?? null };
        const kept = saved;
        writeTransaction(db, () => {
          if (!saveResult(db, item.id, this.owner, kept)) throw new Error('claim taken over by another process');
          // Clips are analysed (continuous backup is not): queued with the result, so no analysis is ever lost.
          if (item.kind !== 'segment') for (const r of kept.records) enqueue(db, { key: `analysis:${r.url}`, kind: 'analysis', payload: r });
        });
      } catch (err) {
        this.failed(item, err);
        return;
      } finally {
        if (workDir) await rm(workDir, { recursive: true, force: true });
      }
    }
    try {
      for (const r of saved.records) await this.o.emit(r);
    } catch (err) {
      log.warn({ item: item.key, err: errorMessage(err) }, 'stored, but its record could not be delivered: it is delivered again by the next run');
      return;
    }
    if (!markDone(db, item.id, this.owner, saved.note)) log.warn({ item: item.key }, 'stored, but another process had taken the item over meanwhile');
    for (const r of saved.records) {
      log.info({ url: r.url, bytes: r.bytes, partial: r.partial }, 'stored');
      this.stats.done++;
      this.stats.bytes += r.bytes;
      this.stats.recent.push({ key: r.url, bytes: r.bytes, partial: r.partial });
      if (this.stats.recent.length > RECENT_MAX) this.stats.recent.splice(0, this.stats.recent.length - RECENT_MAX);
    }
  }

  /** A failed attempt: retried with backoff (storage outages for as long as the run goes on), else failed for this run. */
  private failed(item: WorkItem, err: unknown): void {
    const { db } = this.o;
    const message = errorMessage(err);
    this.stats.lastError = message;
    const retryable = this.o.storage.classify(err) === 'retryable';
    if (retryable) this.failingSince ??= Date.now();
    try {
      if (retryable || item.attempts + 1 < MAX_ATTEMPTS) {
        const delay = fullJitter(backoffMs(item.attempts + 1, this.backoff));
        log.warn({ item: item.key, attempt: item.attempts + 1, retryInMs: Math.round(delay), err: message }, 'upload failed; will retry');
        reschedule(db, item.id, this.owner, Date.now() + delay, message);
      } else {
        this.stats.failed++;
        log.error({ item: item.key, err: message }, `upload failed ${MAX_ATTEMPTS} times; left in the outbox for the next run`);
        markFailed(db, item.id, this.owner, message);
      }
    } catch (dbErr) {
      // The claim stays with this process until it ends; the next run takes the item over.
      log.error({ item: item.key, err: errorMessage(dbErr) }, 'upload failure not recorded in the catalog');
    }
  }

  private perform(item: WorkItem, workDir: string): Promise<WorkResult> {
    switch (item.kind) {
      case 'event': {
        // The event's span as the outbox keeps it (retention widens the same span the same way).
        const { preRollSeconds, postRollSeconds } = this.o.config.events;
        const win = eventWindow(item.fromMs, item.toMs, preRollSeconds, postRollSeconds);
        return this.o.config.upload.mode === 'segment' ? this.eventSegments(item.payload, win) : this.eventClip(item.payload, win, workDir);
      }
      case 'file':
        return this.fileClip(item.payload, workDir);
      case 'segment': {
        const s = item.payload;
        return this.storeSegment(s.camera, s.path, Date.parse(s.start), Date.parse(s.end), null, false).then((r) => ({ done: [r] }));
      }
      default:
        throw new Error(`upload queue: unexpected ${item.kind} item`);
    }
  }

  /** The event window's clip: waits for the recordings to reach the window's end (or the deadline), then cuts. */
  private async eventClip(ev: EventRecord, win: Span, workDir: string): Promise<WorkResult> {
    const { db, config } = this.o;
    if (Date.now() < win.toMs + FLUSH_MARGIN_MS) return { wait: win.toMs + FLUSH_MARGIN_MS };
    const plan = planCut(await recordedEnds(config.dataDir, segmentsOverlapping(db, ev.camera, win), win), win);
    const ready = readiness(plan, Date.now(), win.toMs + this.coverageWaitMs);
    if (ready === 'wait') return { wait: Date.now() + COVERAGE_POLL_MS };
    if (ready === 'nothing') {
      log.warn({ event: ev.id, camera: ev.camera }, 'no recordings cover the event window; nothing stored');
      return { done: [], note: 'no recordings cover the window' };
    }
    const clip = path.join(workDir, 'clip.mp4');
    const duration = await cutClip(config.dataDir, plan, clip, workDir);
    const coveredEnd = plan.pieces[plan.pieces.length - 1]!.toMs;
    const clipStartMs = coveredEnd - duration * 1000;
    const record = await this.storeClip({
      keyBase: clipKeyBase(ev.camera, ev.id, Date.parse(ev.start)),
      file: clip, durationSeconds: duration, posterAtSeconds: (Date.parse(ev.start) - clipStartMs) / 1000,
      camera: ev.camera, startMs: win.fromMs, endMs: win.toMs, eventId: ev.id, partial: plan.partial, orphaned: isOrphan(ev), workDir,
      manifest: { event: ev, window: spanIso(win), gaps: plan.gaps.map(spanIso), labels: ev.labels },
    });
    if (plan.partial) log.warn({ event: ev.id, gaps: plan.gaps.map(spanIso) }, 'recordings did not cover the whole window: partial clip');
    return { done: [record] };
  }

  /** `upload.mode: segment`: the whole segments the window touches, once they are closed. */
  private async eventSegments(ev: EventRecord, win: Span): Promise<WorkResult> {
    const { db, config } = this.o;
    const segmentSeconds = config.cameras[ev.camera]?.record?.segmentSeconds ?? config.record.segmentSeconds;
    const rows = segmentsOverlapping(db, ev.camera, win);
    const closed = rows.filter((r) => r.closed);
    const waitFor = win.toMs + (segmentSeconds * 1000 + this.coverageWaitMs);
    const plan: CutPlan = planCut(closed, win);
    if ((closed.length < rows.length || readiness(plan, Date.now(), win.toMs + this.coverageWaitMs) === 'wait') && Date.now() < waitFor) {
      return { wait: Date.now() + 2000 };
    }
    const done: UploadedRecord[] = [];
    for (const r of closed) done.push({ ...(await this.storeSegment(ev.camera, r.path, r.startMs, r.endMs, ev.id, plan.partial)), ...orphanMark(isOrphan(ev)) });
    if (done.length === 0) log.warn({ event: ev.id, camera: ev.camera }, 'no closed recordings cover the event window; nothing stored');
    return { done, ...(done.length === 0 ? { note: 'no recordings cover the window' } : {}) };
  }

  /** A finished clip file (drop folder, or a file argument): stored as it is when browsers play it, else remuxed. */
  private async fileClip(c: ClipRecord, workDir: string): Promise<WorkResult> {
    const t0 = Date.now();
    const media = await mediaInfo(c.path);
    log.debug({ phase: 'probe', ms: Date.now() - t0, file: c.path }, 'upload phase');
    if (media.video === null) throw new Error(`${c.path}: no video stream`);
    const file = await playableFile(c.path, media, workDir);
    const duration = file === c.path ? (media.durationSeconds ?? 0) : ((await mediaInfo(file)).durationSeconds ?? 0);
    const endMs = typeof c.end === 'string' ? Date.parse(c.end) : Date.parse(c.at);
    const startMs = typeof c.start === 'string' ? Date.parse(c.start) : endMs - duration * 1000;
    const id = eventId(c.camera, new Date(Date.parse(c.at)), `file:${c.path}`);
    const record = await this.storeClip({
      keyBase: clipKeyBase(c.camera, id, startMs), file, durationSeconds: duration, posterAtSeconds: duration / 2,
      camera: c.camera, startMs, endMs, eventId: null, partial: false, orphaned: false, workDir,
      manifest: { clip: c, window: spanIso({ fromMs: startMs, toMs: endMs }), gaps: [], labels: [] },
    });
    return { done: [record] };
  }

  /** Stores a clip, its poster and its manifest beside it; records and returns the `uploaded` record. */
  private async storeClip(c: {
    keyBase: string; file: string; durationSeconds: number; posterAtSeconds: number; camera: string; startMs: number;
    endMs: number; eventId: string | null; partial: boolean; orphaned: boolean; workDir: string; manifest: Record<string, unknown>;
  }): Promise<UploadedRecord> {
    const { storage, db } = this.o;
    const start = new Date(c.startMs).toISOString();
    const end = new Date(c.endMs).toISOString();
    const key = `${c.keyBase}.mp4`;
    const t0 = Date.now();
    const phase = (name: string) => log.debug({ phase: name, ms: Date.now() - t0, key }, 'upload phase');
    // The clip (then its tags) and the poster (made, then stored) go at the same time; the manifest, which names
    // both, last. The clip's sha256 is computed by put from the bytes it sends and stored as its metadata.
    const clip = storage
      .put(key, { path: c.file }, { contentType: 'video/mp4', sha256Metadata: true, metadata: { camera: c.camera, start, end } })
      .then(async (put) => {
        phase('clip put');
        await storage.setTags(key, { class: 'clip' });
        phase('clip tags');
        return put;
      });
    const posterFile = path.join(c.workDir, 'poster.jpg');
    const posterUrl = makePoster(c.file, c.posterAtSeconds, c.durationSeconds, posterFile).then(
      async () => {
        phase('poster made');
        const url = (await storage.put(`${c.keyBase}.jpg`, { path: posterFile }, { contentType: 'image/jpeg', metadata: { camera: c.camera } })).url;
        phase('poster put');
        return url;
      },
      (err: unknown) => {
        if (storage.classify(err) === 'retryable') throw err;
        log.warn({ key, err: errorMessage(err) }, 'no poster for this clip');
        return null;
      },
    );
    const [clipDone, posterDone] = await Promise.allSettled([clip, posterUrl]); // both settle before the work folder goes
    if (clipDone.status === 'rejected') throw clipDone.reason;
    if (posterDone.status === 'rejected') throw posterDone.reason;
    const put = clipDone.value;
    const poster = posterDone.value;
    const manifest = {
      v: 1, eventId: c.eventId, camera: c.camera, ...c.manifest, url: put.url, poster, bytes: put.bytes, sha256: put.sha256,
      durationSeconds: Math.round(c.durationSeconds * 1000) / 1000, partial: c.partial, ...orphanMark(c.orphaned),
    };
    const manifestUrl = (
      await storage.put(`${c.keyBase}.json`, { body: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) }, {
        contentType: 'application/json', metadata: { camera: c.camera },
      })
    ).url;
    phase('manifest put');
    saveUpload(db, {
      key, url: put.url, kind: 'clip', eventId: c.eventId, camera: c.camera, startMs: c.startMs, endMs: c.endMs, bytes: put.bytes,
      sha256: put.sha256, poster, manifest: manifestUrl, partial: c.partial,
    });
    return {
      v: 1, kind: 'uploaded', eventId: c.eventId, camera: c.camera, start, end, url: put.url, bytes: put.bytes, sha256: put.sha256, poster,
      partial: c.partial, ...orphanMark(c.orphaned),
    };
  }

  /** Stores a whole recording under its own relative path (once: a segment already stored with the same size is reused). */
  private async storeSegment(camera: string, rel: string, startMs: number, endMs: number, evId: string | null, partial: boolean): Promise<UploadedRecord> {
    const { storage, db, config } = this.o;
    const file = path.join(config.dataDir, rel);
    const key = rel.split(path.sep).join('/');
    const start = new Date(startMs).toISOString();
    const end = new Date(endMs).toISOString();
    const bytes = (await stat(file)).size;
    let stored = findUpload(db, key);
    if (!stored || stored.bytes !== bytes) {
      const put = await storage.put(key, { path: file }, {
        contentType: SEGMENT_TYPES[path.extname(rel)] ?? 'application/octet-stream', sha256Metadata: true, metadata: { camera, start, end },
      });
      await storage.setTags(key, { class: 'recording' });
      stored = { key, url: put.url, kind: 'segment', eventId: evId, camera, startMs, endMs, bytes: put.bytes, sha256: put.sha256, poster: null, manifest: null, partial: false };
      saveUpload(db, stored);
    }
    return { v: 1, kind: 'uploaded', eventId: evId, camera, start, end, url: stored.url, bytes: stored.bytes, sha256: stored.sha256, poster: null, partial };
  }
}

const SEGMENT_TYPES: Record<string, string> = { '.mkv': 'video/x-matroska', '.mp4': 'video/mp4', '.ts': 'video/mp2t' };

const spanIso = (s: Span) => ({ start: new Date(s.fromMs).toISOString(), end: new Date(s.toMs).toISOString() });

/** An event whose end cctv wrote itself because it never came (events/orphans.ts). */
const isOrphan = (ev: EventRecord) => ev.reason === 'orphaned';
/** The mark an orphan's clip carries in its manifest and `uploaded` record (nothing for the others). */
const orphanMark = (orphaned: boolean): { orphaned?: true } => (orphaned ? { orphaned: true } : {});
