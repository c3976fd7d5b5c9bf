import type { AccessEntry } from '../../catalog/access-log.js';
import { errorMessage } from '../../errors.js';
import { log } from '../../log.js';

/**
 * Where the web app records sign-ins, refusals and footage watched (on premise: the catalog's access_log table,
 * catalog/access-log.ts). Recording never fails a request: a write that fails is logged (without the entry's path)
 * and the request goes on.
 */
export interface AccessLog {
  add(e: AccessEntry): void;
}

export function safeAdd(sink: AccessLog, e: AccessEntry): void {
  try {
    sink.add(e);
  } catch (err) {
    log.warn({ err: errorMessage(err), action: e.action }, 'access log: could not record an entry');
  }
}

/**
 * Keys seen within the last `windowMs`: a clip played with twenty range requests, or a script retrying with a
 * revoked token, is recorded once per window. Bounded in size (oldest forgotten first).
 */
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly max = 10_000,
  ) {}

  /** True the first time `key` is seen in a window (then remembered from `nowMs`). */
  first(key: string, nowMs: number): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && nowMs - at < this.windowMs && nowMs >= at) return false;
    this.seen.delete(key);
    this.seen.set(key, nowMs);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }
}
