import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { backoffMs, sleep, type Backoff } from '../wait.js';
import { isTransientSqliteError } from './db.js';

/** One catalog write (a call of a catalog function). */
export type CatalogWrite = () => void;

/** How a caller hands over a write: a CatalogWriteQueue's `write`, or writeNow (throws as the catalog does). */
export type WriteCatalog = (key: string | null, fn: CatalogWrite) => void;
export const writeNow: WriteCatalog = (_key, fn) => fn();

/**
 * The catalog writes of a process that must go on whatever the catalog does (`record`: ffmpeg writes whether or not
 * the catalog can take the rows). A write runs at once when nothing is queued; when SQLite fails for a moment
 * (another process holds the write lock past the short busy timeout, the disk is full, an I/O error) it is kept, in
 * order, with every later write, and retried with backoff (wait.ts) until the catalog takes them. A later write with
 * the same key replaces a queued one in its place (an open segment's growing end: only the newest counts), so the
 * queue holds at most one write per key and per catalogued item. Never throws: a write that fails for good (a bug)
 * is logged and dropped. The wait is asynchronous, so the event loop (ffmpeg's output, the stall watchdog) never
 * stalls for more than the connection's busy timeout.
 */
export class CatalogWriteQueue {
  private readonly queued = new Map<string, CatalogWrite>();
  private seq = 0;
  private retrying = false;
  private readonly stop = new AbortController();

  constructor(private readonly backoff: Backoff = { baseMs: 250, maxMs: 5000 }) {}

  /** Writes now, or queues behind what waits; `key` (e.g. `grow:<path>`) replaces a queued write of the same key. */
  readonly write: WriteCatalog = (key, fn) => {
    this.queued.set(key ?? `#${this.seq++}`, fn);
    if (!this.retrying) this.flush();
  };

  /** Writes waiting for the catalog. */
  get backlog(): number {
    return this.queued.size;
  }

  /**
   * Waits (at most `maxMs`) for the queued writes to reach the catalog, e.g. before the process exits; stops the
   * retries then. Resolves with the number of writes left (0: everything was written).
   */
  async drain(maxMs: number): Promise<number> {
    const deadline = performance.now() + maxMs;
    while (this.retrying && performance.now() < deadline) await sleep(50);
    this.stop.abort();
    if (this.queued.size > 0) log.error({ rows: this.queued.size }, 'catalog still not writable at exit: rows not written (the next `record` catalogues the files it finds)');
    return this.queued.size;
  }

  /** Runs the queued writes in order; false when the catalog refused one for a moment (the retry loop then runs). */
  private flush(): boolean {
    for (const [key, fn] of this.queued) {
      try {
        fn();
      } catch (err) {
        if (isTransientSqliteError(err)) {
          if (!this.retrying) {
            this.retrying = true;
            void this.retry(err);
          }
          return false;
        }
        log.error({ err: errorMessage(err), write: key }, 'catalog write failed; dropped');
      }
      this.queued.delete(key);
    }
    return true;
  }

  private async retry(first: unknown): Promise<void> {
    const since = performance.now();
    log.warn({ err: errorMessage(first), code: (first as { code?: string }).code, rows: this.queued.size }, 'catalog not writable: rows are kept and written when it is');
    for (let n = 1; ; n++) {
      await sleep(backoffMs(n, this.backoff), this.stop.signal);
      if (this.stop.signal.aborted) return;
      const rows = this.queued.size;
      if (this.flush()) {
        this.retrying = false;
        log.info({ rows, waitedMs: Math.round(performance.now() - since) }, 'catalog writable again: kept rows written');
        return;
      }
    }
  }
}
