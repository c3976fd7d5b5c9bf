import { claimAlert, markAlertSent, releaseAlert } from '../catalog/alerts.js';
import type { Db } from '../catalog/db.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Backoff } from '../wait.js';
import { sendWithRetries } from './deliver.js';
import type { Alert, AlertSink } from './types.js';

export interface AlerterOptions {
  db: Db;
  sinks: readonly AlertSink[];
  /** Tries per sink and alert (alerts.maxAttempts). */
  maxAttempts: number;
  /** Delay before the 2nd try, doubled each time up to maxMs. Defaults 1 s and 30 s. */
  backoff?: Backoff;
}

/**
 * Delivers alerts to every sink in the background: dispatch() returns at once, so a slow or dead sink never
 * holds up analysis. Each (event, sink) pair is claimed in the catalog (catalog/alerts.ts) before the first try,
 * so a re-run or a second process never sends it twice; a sink that still fails after `maxAttempts` tries
 * (backoff between them) is logged as failed and its claim is released, so the next run may try again.
 */
export class Alerter {
  private readonly pending = new Set<Promise<void>>();
  private readonly backoff: Backoff;
  private closed = false;

  constructor(private readonly o: AlerterOptions) {
    this.backoff = o.backoff ?? { baseMs: 1000, maxMs: 30_000 };
  }

  get sinkNames(): string[] {
    return this.o.sinks.map((s) => s.name);
  }

  /**
   * Sends `alert` to each sink that has not had it for `eventKey` (the event id, or the clip URL). Returns
   * the sinks it started delivering to.
   */
  dispatch(eventKey: string, alert: Alert): string[] {
    if (this.closed) throw new Error('Alerter is closed');
    const started = this.o.sinks.filter((sink) => claimAlert(this.o.db, eventKey, sink.name));
    for (const sink of started) {
      const p = this.deliver(sink, eventKey, alert).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
    return started.map((s) => s.name);
  }

  private async deliver(sink: AlertSink, eventKey: string, alert: Alert): Promise<void> {
    const sent = await sendWithRetries(sink, alert, {
      maxAttempts: this.o.maxAttempts, backoff: this.backoff, context: { event: eventKey }, giveUpNote: 'a later run may retry it',
    });
    try {
      if (sent) markAlertSent(this.o.db, eventKey, sink.name);
      else releaseAlert(this.o.db, eventKey, sink.name);
    } catch (err) {
      // The claim stays as it is (sent or not, it is never sent twice); delivery runs in the background: never reject.
      log.error({ sink: sink.name, event: eventKey, err: errorMessage(err) }, 'could not record the alert delivery in the catalog');
    }
  }

  /** Tells the sinks that hold a state for an event (Home Assistant occupancy) that it ended at `at` (ISO). */
  eventEnded(camera: string, eventId: string, at: string): void {
    for (const sink of this.o.sinks) sink.eventEnded?.({ camera, eventId, at });
  }

  /** Waits for the deliveries in flight (each ends after at most maxAttempts tries), then closes the sinks. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await Promise.all(this.o.sinks.map((s) => s.close()));
  }
}
