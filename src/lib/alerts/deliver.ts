import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { backoffMs, sleep, type Backoff } from '../wait.js';
import type { Alert, AlertSink } from './types.js';

/**
 * One alert to one sink, tried up to `maxAttempts` times with the plain backoff between tries (wait.ts). Resolves
 * true once the sink accepted it (or chose to skip it: a label filter, quiet hours; its receipt is logged), false when
 * every try failed (the caller decides what that means); never rejects.
 */
export async function sendWithRetries(
  sink: AlertSink,
  alert: Alert,
  o: { maxAttempts: number; backoff: Backoff; context: object; /** Said after "giving up" in the log. */ giveUpNote?: string },
): Promise<boolean> {
  const ctx = { sink: sink.name, camera: alert.camera, ...o.context };
  for (let attempt = 1; ; attempt++) {
    try {
      const receipt = await sink.send(alert);
      if (receipt && 'skipped' in receipt) log.info({ ...ctx, reason: receipt.skipped }, 'alert not sent to this sink');
      else log.info({ ...ctx, attempt, ...(receipt ? { answer: receipt.answer } : {}) }, 'alert sent');
      return true;
    } catch (err) {
      if (attempt >= o.maxAttempts) {
        log.error({ ...ctx, attempts: attempt, err: errorMessage(err) }, `alert failed; giving up${o.giveUpNote ? ` (${o.giveUpNote})` : ''}`);
        return false;
      }
      const wait = backoffMs(attempt, o.backoff);
      log.warn({ ...ctx, attempt, retryInMs: wait, err: errorMessage(err) }, 'alert delivery failed; will retry');
      await sleep(wait);
    }
  }
}
