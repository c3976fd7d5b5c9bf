import PQueue from 'p-queue';
import type { Db } from './catalog/db.js';
import { claimNext, nextDueMs, type Queue, type WorkItem } from './catalog/outbox.js';
import { errorMessage } from './errors.js';
import { log } from './log.js';
import { sleep } from './wait.js';

export interface WorkLoopOptions {
  db: Db;
  queue: Queue;
  /** The worker id claims are taken for (catalog/workers.ts). */
  owner: string;
  /** Items worked at once. */
  concurrency: number;
  /** Works one claimed item to its end (done, rescheduled, failed); a rejection is logged, the claim stays for a later run. */
  work(item: WorkItem): Promise<void>;
  /** Only items created before this time (ms) are claimed; undefined: all. */
  createdBefore?(): number | undefined;
  /** Whether the loop may claim now (false while the caller works an item of its own). Default always. */
  canClaim?(): boolean;
  /** The longest nap between looks at the queue (other processes add work, gone workers' claims are released). */
  pollMs?: number;
}

/**
 * Works one outbox queue in a process: claims due items while there is room (one indexed claim each), works them in
 * the background, and naps until the next item is due, a poll interval passes or it is woken (new work, an item
 * finished). The same loop runs upload's clips, analyze's analyses and the alerts' deliveries.
 */
export class WorkLoop {
  private readonly running: PQueue;
  private wakeUp = new AbortController();

  constructor(private readonly o: WorkLoopOptions) {
    this.running = new PQueue({ concurrency: o.concurrency });
  }

  get inFlight(): number {
    return this.running.size + this.running.pending;
  }

  /** Ends the current nap (new work was queued, or something changed that `stop` looks at). */
  wake(): void {
    this.wakeUp.abort();
  }

  /**
   * Claims and works items until `stop()` says so (asked after every look at the queue) or `signal` aborts. Items
   * in flight are not waited for (settle).
   */
  async run(signal: AbortSignal, stop: () => boolean = () => false): Promise<void> {
    const onAbort = () => this.wake();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        this.wakeUp = new AbortController(); // a wake() from here on ends the nap below
        let due: number | null = null;
        try {
          this.fill();
          due = nextDueMs(this.o.db, this.o.queue);
        } catch (err) {
          // The catalog is locked or full for a moment: look again later.
          log.warn({ queue: this.o.queue, err: errorMessage(err) }, 'cannot read the work queue; trying again');
        }
        if (stop()) break;
        const poll = this.o.pollMs ?? 1000;
        await sleep(due === null ? poll : Math.min(poll, Math.max(20, due - Date.now())), this.wakeUp.signal);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Claims due items while there is room (and `canClaim` allows), and starts working them. Returns how many. */
  fill(): number {
    let n = 0;
    while (this.inFlight < this.o.concurrency && (this.o.canClaim?.() ?? true)) {
      const item = claimNext(this.o.db, this.o.queue, this.o.owner, Date.now(), this.o.createdBefore?.());
      if (!item) break;
      void this.start(item);
      n++;
    }
    return n;
  }

  /** Works every item due now (filling as room frees) until none is left, then waits for the last ones. */
  async drain(): Promise<void> {
    while (this.fill() > 0 || this.inFlight > 0) await this.running.onIdle();
  }

  /** Works an item (claimed by the loop, or by the caller: claimKey); resolves when it is finished. */
  start(item: WorkItem): Promise<void> {
    return this.running
      .add(() => this.o.work(item))
      .catch((err: unknown) => log.error({ queue: this.o.queue, item: item.key, err: errorMessage(err) }, 'work item not finished'))
      .finally(() => this.wake());
  }

  /** Waits for the items in flight, at most `ms`. True when every one finished. */
  async settle(ms = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (!Number.isFinite(ms)) {
      await this.running.onIdle();
      return true;
    }
    const timeout = new AbortController();
    await Promise.race([this.running.onIdle(), sleep(ms, timeout.signal)]);
    timeout.abort();
    return this.inFlight === 0;
  }
}
