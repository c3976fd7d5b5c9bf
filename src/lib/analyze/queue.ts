import type { Db } from '../catalog/db.js';
import {
  claimKey, enqueue, itemState, markDone, markFailed, nextDueMs, reschedule, resetFailed, saveResult, type WorkItem,
} from '../catalog/outbox.js';
import { Worker } from '../catalog/workers.js';
import { errorMessage, UserError } from '../errors.js';
import { log } from '../log.js';
import type { AnalyzedRecord, UploadedRecord } from '../pipeline/records.js';
import { backoffMs, fullJitter } from '../wait.js';
import { WorkLoop } from '../work-loop.js';
import type { Analyzer } from './analyzer.js';

export interface AnalysisQueueOptions {
  db: Db;
  analyzer: Analyzer;
  /** Delivers an `analyzed` record; resolves once written. The item is done only after it. */
  emit(record: AnalyzedRecord): void | Promise<void>;
  /**
   * While input is open, the queue is worked only once input has been quiet this long, and only items older than
   * this: the pipeline's own `uploaded` records are on their way, and analysing them from there keeps the records in
   * order. Default 30 s.
   */
  graceMs?: number;
  /** Backoff between failed attempts (full jitter); default 1 s doubling to 10 s. */
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * Failed analyses are tried this often per run, then failed until the next run; a storage outage while input is open
 * is retried for as long as it lasts (as `cctv upload` does), so a pipeline's alert never waits for the next run.
 */
const MAX_ATTEMPTS = 5;

/**
 * The durable analysis queue (the outbox's `analyze` queue): `cctv upload` queues each stored clip's analysis in the
 * transaction that records the upload, and an `uploaded` record that reaches `cctv analyze` queues it too (no-op when
 * queued). An analysis is claimed by this process's worker, analysed, its `analyzed` record saved with the item in the
 * transaction that records the results and queues the alert, then emitted, then the item is done. A kill anywhere
 * loses nothing: the next `cctv analyze` (with or without input) takes the item over, and an analysis whose record
 * was saved is emitted again, not redone. An item already done is never analysed again; its saved record is
 * emitted instead, so a replayed `uploaded` record gives the same `analyzed` record and never a second alert.
 * One analysis at a time (the detector takes a core).
 */
export class AnalysisQueue {
  /** Analyses that failed every attempt in this run. */
  failed = 0;
  private readonly worker: Worker;
  private readonly loop: WorkLoop;
  /** Items analysed from input in flight (the background loop waits meanwhile). */
  private offering = 0;
  /** Keys whose record this run has emitted (each once per run). */
  private readonly emitted = new Set<string>();
  private inputOpen = true;
  /** When input last brought an `uploaded` record (ms; the start counts as one). */
  private lastOfferMs = Date.now();

  constructor(private readonly o: AnalysisQueueOptions) {
    this.worker = new Worker(o.db, 'analyze', (err) => log.warn({ err: errorMessage(err) }, 'analyze: heartbeat not written; trying again'));
    const retried = resetFailed(o.db, 'analyze');
    if (retried > 0) log.info({ items: retried }, 'retrying analyses that failed in an earlier run');
    this.loop = new WorkLoop({
      db: o.db, queue: 'analyze', owner: this.worker.id, concurrency: 1, work: (item) => this.work(item),
      canClaim: () => this.offering === 0 && (!this.inputOpen || Date.now() - this.lastOfferMs >= (o.graceMs ?? 30_000)),
      createdBefore: () => (this.inputOpen ? Date.now() - (o.graceMs ?? 30_000) : undefined),
    });
  }

  /**
   * An `uploaded` record from input: queues its analysis (once) and works it now, in input order. When it was done
   * before, its saved `analyzed` record is emitted again; when another process is analysing it, that one emits it.
   */
  async offer(u: UploadedRecord): Promise<void> {
    const { db } = this.o;
    const key = `analysis:${u.url}`;
    this.offering++;
    this.lastOfferMs = Date.now();
    try {
      await this.loop.settle(); // one analysis at a time: the background's item first
      enqueue(db, { key, kind: 'analysis', payload: u });
      const item = claimKey(db, key, this.worker.id);
      if (item) return await this.loop.start(item);
      if (this.emitted.has(key)) return;
      const state = itemState(db, key);
      const saved = state?.state === 'done' ? (state.result as AnalyzedRecord | null) : null;
      if (saved) {
        await this.o.emit(saved);
        this.emitted.add(key);
      } else log.info({ url: u.url, state: state?.state, owner: state?.owner }, 'analysis not run here: another process has it, or it was given up');
    } finally {
      this.offering--;
      // Quiet counts from the end of the last offered analysis: one that took longer than the grace (a loaded
      // machine) must not let the background take the records the input is about to bring, out of order.
      this.lastOfferMs = Date.now();
      this.loop.wake();
    }
  }

  /**
   * Works queued analyses in the background (those of earlier runs, of killed processes, those whose record never
   * arrived) until `inputDone` and nothing due remains, or `signal` aborts (then the one in flight finishes).
   */
  async run(signal: AbortSignal, inputDone: Promise<void>): Promise<void> {
    let ended = false;
    void inputDone.then(() => {
      ended = true;
      this.inputOpen = false;
      this.loop.wake();
    });
    try {
      await this.loop.run(signal, () => ended && this.offering === 0 && this.loop.inFlight === 0 && nextDueMs(this.o.db, 'analyze') === null);
      await this.loop.settle();
    } finally {
      this.worker.stop();
    }
  }

  private async work(item: WorkItem): Promise<void> {
    const { db } = this.o;
    if (item.kind !== 'analysis') throw new Error(`analysis queue: unexpected ${item.kind} item`);
    let record = item.result as AnalyzedRecord | null;
    if (record === null) {
      try {
        record = await this.o.analyzer.analyze(item.payload, {
          within: (r) => {
            if (!saveResult(db, item.id, this.worker.id, r)) throw new Error('claim taken over by another process');
          },
        });
      } catch (err) {
        this.retryLater(item, err);
        return;
      }
      log.info({ url: record.url, frames: record.frames, labels: record.labels.map((l) => l.name), alert: record.alert }, 'analyzed');
    }
    await this.o.emit(record); // a closed stdout rejects: the item stays, with its record, for the next run
    this.emitted.add(item.key);
    markDone(db, item.id, this.worker.id);
  }

  private retryLater(item: WorkItem & { kind: 'analysis' }, err: unknown): void {
    const message = errorMessage(err);
    const outage = this.inputOpen && this.o.analyzer.isOutage(err);
    if (!outage && (err instanceof UserError || item.attempts + 1 >= MAX_ATTEMPTS)) {
      this.failed++;
      log.error({ url: item.payload.url, err: message }, 'clip not analysed; left in the queue for the next run');
      markFailed(this.o.db, item.id, this.worker.id, message);
      return;
    }
    const delay = fullJitter(backoffMs(item.attempts + 1, this.o.backoff ?? { baseMs: 1000, maxMs: 10_000 }));
    log.warn({ url: item.payload.url, attempt: item.attempts + 1, retryInMs: delay, err: message }, 'analysis failed; will retry');
    reschedule(this.o.db, item.id, this.worker.id, Date.now() + delay, message);
  }
}
