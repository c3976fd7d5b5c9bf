import { alertOnce, recordDelivered, type AlertDelivery, type AlertJson } from '../catalog/alerts.js';
import { writeTransaction, type Db } from '../catalog/db.js';
import { abandonWork, markDone, markFailed, resetFailed, type WorkItem } from '../catalog/outbox.js';
import { Worker } from '../catalog/workers.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Backoff } from '../wait.js';
import { WorkLoop } from '../work-loop.js';
import { sendWithRetries } from './deliver.js';
import type { Alert, AlertMedia, AlertSink } from './types.js';

export interface AlerterOptions {
  db: Db;
  sinks: readonly AlertSink[];
  /** Tries per sink and alert (alerts.maxAttempts). */
  maxAttempts: number;
  /** Delay before the 2nd try, doubled each time up to maxMs. Defaults 1 s and 30 s. */
  backoff?: Backoff;
  /** The pictures of an alert from their storage keys (alerts/media.ts storageMedia); none when absent. */
  media?: (keys: AlertDelivery['media']) => AlertMedia;
  /** How often the queue is looked at for deliveries other processes left (ms). Default 1 s. */
  pollMs?: number;
}

/** Deliveries to different sinks (and of different alerts) that run at once. */
const CONCURRENCY = 8;

/**
 * Delivers alerts in the background, durably. An alert is decided once per event (queue(), inside the transaction
 * that decides it: catalog/alerts.ts alertOnce), which queues one delivery per sink in the catalog's outbox. This
 * process's worker claims each delivery (owner + heartbeat, catalog/workers.ts), sends it (sendWithRetries: up to
 * `maxAttempts` tries with backoff) and only then marks it delivered. A process killed after its claim leaves the
 * delivery to the next process with an Alerter, which takes it over once the claimer is gone (at once after kill -9
 * on this machine, else when its heartbeat is 30 s old); deliveries that failed every try in an earlier run are tried
 * again when an Alerter starts. So an alert is never lost and never sent twice — except when a process dies between
 * a receiver accepting it and the mark, when the next process sends it again: at least once. Sinks that can
 * deduplicate get a stable key for that (Alert.key: the webhook's `Idempotency-Key`, ntfy's `X-Sequence-ID`).
 */
export class Alerter {
  private readonly backoff: Backoff;
  private readonly worker: Worker;
  private readonly loop: WorkLoop;
  private readonly stop = new AbortController();
  private readonly running: Promise<void>;
  private closed = false;

  constructor(private readonly o: AlerterOptions) {
    this.backoff = o.backoff ?? { baseMs: 1000, maxMs: 30_000 };
    this.worker = new Worker(o.db, 'alert', (err) => log.warn({ err: errorMessage(err) }, 'alerts: heartbeat not written; trying again'));
    const retried = resetFailed(o.db, 'alert');
    if (retried > 0) log.info({ deliveries: retried }, 'retrying alert deliveries that failed in an earlier run');
    this.loop = new WorkLoop({
      db: o.db, queue: 'alert', owner: this.worker.id, concurrency: CONCURRENCY, pollMs: o.pollMs ?? 1000, work: (item) => this.deliver(item),
    });
    this.running = this.loop.run(this.stop.signal);
  }

  get sinkNames(): string[] {
    return this.o.sinks.map((s) => s.name);
  }

  /**
   * Decides `eventKey`'s one alert and queues its delivery to every sink; false (nothing queued) when the event has
   * its alert already. Call it inside the catalog transaction that records the decision, then wake().
   */
  queue(eventKey: string, origin: string, atMs: number, alert: Alert | AlertJson, media: AlertDelivery['media']): boolean {
    const { media: _lazy, ...json } = alert as Alert;
    return alertOnce(this.o.db, { eventKey, origin, atMs, sinks: this.sinkNames, alert: json, media });
  }

  /** Starts the deliveries just queued at once (instead of at the next look at the queue). */
  wake(): void {
    if (!this.closed) this.loop.wake();
  }

  /** Tells the sinks that hold a state for an event (Home Assistant occupancy) that it ended at `at` (ISO). */
  eventEnded(camera: string, eventId: string, at: string): void {
    for (const sink of this.o.sinks) sink.eventEnded?.({ camera, eventId, at });
  }

  /**
   * Delivers what is due now, waits for the deliveries in flight (each ends after at most maxAttempts tries; at most
   * `graceMs` when given: what is still in flight then is re-driven by the next process), then closes the sinks.
   */
  async close(graceMs?: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    await this.running;
    try {
      if (graceMs === undefined) await this.loop.drain(); // delivers what is due before it goes
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'alerts: queue not read at exit; the next run delivers what is left');
    }
    const finished = await this.loop.settle(graceMs);
    if (!finished) log.warn({ inFlight: this.loop.inFlight }, 'alerts still being delivered at exit are delivered by the next run');
    this.worker.stop();
    await Promise.all(this.o.sinks.map((s) => s.close()));
  }

  private async deliver(item: WorkItem): Promise<void> {
    const { db } = this.o;
    const d = item.payload as AlertDelivery;
    const sink = this.o.sinks.find((s) => s.name === d.sink);
    if (!sink) {
      abandonWork(db, [item.id], `alert sink "${d.sink}" is no longer configured`);
      log.warn({ sink: d.sink, event: d.eventKey }, 'alert not delivered: its sink is no longer configured');
      return;
    }
    const alert: Alert = { ...d.alert, key: d.eventKey, ...(this.o.media ? { media: this.o.media(d.media) } : {}) };
    const sent = await sendWithRetries(sink, alert, {
      maxAttempts: this.o.maxAttempts, backoff: this.backoff, context: { event: d.eventKey }, giveUpNote: 'the next run retries it',
    });
    try {
      const owned = writeTransaction(db, () => {
        if (!sent) return markFailed(db, item.id, this.worker.id, 'every attempt failed');
        if (!markDone(db, item.id, this.worker.id)) return false;
        recordDelivered(db, d.eventKey, d.sink);
        return true;
      });
      if (!owned) log.warn({ sink: d.sink, event: d.eventKey }, 'alert delivery had been taken over by another process meanwhile');
    } catch (err) {
      // The claim stays with this process until it ends; the next one re-drives the delivery.
      log.error({ sink: sink.name, event: d.eventKey, err: errorMessage(err) }, 'could not record the alert delivery in the catalog');
    }
  }
}
