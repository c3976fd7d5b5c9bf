import { z } from 'zod';
import { deliverHttp } from './http.js';
import { alertJson, alertTitle, deliveryKey } from './message.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

/**
 * The generic webhook: one request per alert to one URL. By default the alert as JSON (`alertJson`, the contract's
 * body: Home Assistant webhook triggers, your own scripts). With `body`, a template: an object is sent as JSON with
 * `{{placeholders}}` replaced in its strings (Slack `{ text }`, Discord `{ content }`, Teams), a string is sent as it
 * renders, as `contentType` (default text/plain). Any 2xx answer is a delivery.
 */
export const TEMPLATE_VARIABLES = ['camera', 'eventId', 'at', 'title', 'message', 'labels', 'clip', 'poster', 'detector'] as const;

const bodyTemplate = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .superRefine((body, ctx) => {
    const unknown = placeholders(body).filter((p) => !(TEMPLATE_VARIABLES as readonly string[]).includes(p));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown placeholder ${unknown.map((p) => `{{${p}}}`).join(', ')} (known: ${TEMPLATE_VARIABLES.join(', ')})` });
    }
  })
  .describe('request body template; {{camera}} {{eventId}} {{at}} {{title}} {{message}} {{labels}} {{clip}} {{poster}} {{detector}}');

export const webhookOptionsSchema = z.strictObject({
  url: z.string().url().describe('receives each alert (a JSON POST unless body says otherwise)'),
  headers: z.record(z.string(), z.string()).optional().describe('extra request headers, e.g. Authorization'),
  method: z.enum(['POST', 'PUT']).default('POST'),
  body: bodyTemplate.optional(),
  contentType: z.string().min(1).optional().describe('content type of a string body (default text/plain; object bodies are JSON)'),
});

export const webhookSinkSchema = webhookOptionsSchema.extend({ type: z.literal('webhook') });
export type WebhookSinkConfig = z.infer<typeof webhookSinkSchema>;

export interface WebhookOptions {
  url: string;
  name?: string;
  headers?: Record<string, string> | undefined;
  method?: 'POST' | 'PUT';
  body?: string | Record<string, unknown> | undefined;
  contentType?: string | undefined;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
}

/** Pure: the `{{name}}` placeholders used in a template (strings anywhere inside an object). */
export function placeholders(template: unknown): string[] {
  if (typeof template === 'string') return [...template.matchAll(/\{\{\s*([A-Za-z]+)\s*\}\}/g)].map((m) => m[1]!);
  if (Array.isArray(template)) return template.flatMap(placeholders);
  if (template && typeof template === 'object') return Object.values(template).flatMap(placeholders);
  return [];
}

/** Pure: the template values of an alert. */
export function templateValues(alert: Alert): Record<(typeof TEMPLATE_VARIABLES)[number], string> {
  return {
    camera: alert.camera, eventId: alert.eventId ?? '', at: alert.at, title: alertTitle(alert), message: alert.message,
    labels: alert.labels.map((l) => l.name).join(', '), clip: alert.clip, poster: alert.poster ?? '', detector: alert.detector,
  };
}

/** Pure: `template` with every placeholder replaced (in every string of an object, keys untouched). */
export function renderTemplate<T>(template: T, values: Record<string, string>): T {
  if (typeof template === 'string') return template.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (_, k: string) => values[k] ?? '') as T;
  if (Array.isArray(template)) return template.map((t) => renderTemplate(t, values)) as T;
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderTemplate(v, values)])) as T;
  }
  return template;
}

/** Pure: the request body and its content type for one alert. */
export function webhookBody(o: Pick<WebhookOptions, 'body' | 'contentType'>, alert: Alert): { contentType: string; body: string } {
  if (o.body === undefined) return { contentType: 'application/json', body: JSON.stringify(alertJson(alert)) };
  const rendered = renderTemplate(o.body, templateValues(alert));
  return typeof rendered === 'string'
    ? { contentType: o.contentType ?? 'text/plain; charset=utf-8', body: rendered }
    : { contentType: 'application/json', body: JSON.stringify(rendered) };
}

/**
 * Pure: what to tell the user about a webhook URL that will not do what they expect, or null. A topic URL of ntfy.sh
 * shows the alert JSON as text (0.1's README suggested it): ntfy has its own sink.
 */
export function webhookAdvice(url: string, body: unknown): string | null {
  if (body === undefined && /(^|\.)ntfy\.sh$/i.test(new URL(url).hostname)) {
    return 'posts the alert JSON to an ntfy topic, which shows it as text: use a sink { type: ntfy } in alerts.sinks (the picture is attached too)';
  }
  return null;
}

export function createWebhookSink(o: WebhookOptions): AlertSink {
  const name = o.name ?? 'webhook';
  return {
    name,
    async send(alert: Alert): Promise<SendReceipt> {
      const { contentType, body } = webhookBody(o, alert);
      const key = deliveryKey(alert);
      return deliverHttp(name === 'webhook' ? 'webhook' : `webhook ${name}`, o.url, {
        method: o.method ?? 'POST',
        // Idempotency-Key (IETF httpapi draft): a re-driven delivery of the same alert carries the same key.
        headers: { 'content-type': contentType, ...(key ? { 'idempotency-key': key } : {}), ...o.headers },
        body,
      }, o.timeoutMs);
    },
    close: async () => {},
  };
}
