import { errorMessage } from '../errors.js';
import type { Alert, AlertSink } from './types.js';

export interface WebhookOptions {
  url: string;
  headers?: Record<string, string>;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
}

/**
 * POSTs each alert as JSON (`content-type: application/json`) to one URL: ntfy topics, Home Assistant
 * webhook triggers, Slack-style receivers. Any 2xx answer is a delivery; anything else, a network error
 * or the timeout rejects. The URL may hold a token, so errors name the sink, never the URL.
 */
export function createWebhookSink(o: WebhookOptions): AlertSink {
  return {
    name: 'webhook',
    async send(alert: Alert): Promise<void> {
      let res: Response;
      try {
        res = await fetch(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...o.headers },
          body: JSON.stringify(alert),
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new Error(`webhook: ${errorMessage((err as { cause?: unknown }).cause ?? err)}`);
      }
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`webhook: HTTP ${res.status} ${res.statusText}`);
    },
    close: async () => {},
  };
}
