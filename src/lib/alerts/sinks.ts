import { z } from 'zod';
import { appriseSinkSchema, createAppriseSink } from './apprise.js';
import { filterSink } from './filter.js';
import { createGotifySink, gotifySinkSchema } from './gotify.js';
import { createNtfySink, ntfySinkSchema } from './ntfy.js';
import { createPushoverSink, pushoverSinkSchema } from './pushover.js';
import { createTelegramSink, telegramSinkSchema } from './telegram.js';
import type { AlertSink } from './types.js';
import { createWebhookSink, webhookSinkSchema } from './webhook.js';

/**
 * The notification sinks of `alerts.sinks`: an explicit table, no discovery (as the detectors in detect/index.ts).
 * Each sink file exports its zod config (discriminated by `type`) and a factory; the keys every sink shares (its
 * name and the delivery rule: labels, cameras, quiet hours) live here and become a filterSink wrapper.
 */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h), e.g. 22:30');

const common = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, - and _ (it names the sink in logs, `cctv alert test --sink` and the catalog)')
    .optional()
    .describe('default: the type; names must be unique'),
  labels: z.array(z.string().min(1)).min(1).optional().describe('only alerts with one of these labels (default: every alert)'),
  cameras: z.array(z.string().min(1)).min(1).optional().describe('only alerts of these cameras (default: all)'),
  quietHours: z
    .strictObject({ from: hhmm, to: hhmm })
    .refine((q) => q.from !== q.to, 'from and to must differ')
    .optional()
    .describe('no alerts from..to, local time of alerts.timeZone (to before from spans midnight)'),
};

const variants = [
  ntfySinkSchema.extend(common),
  pushoverSinkSchema.extend(common),
  telegramSinkSchema.extend(common),
  gotifySinkSchema.extend(common),
  appriseSinkSchema.extend(common),
  webhookSinkSchema.extend(common),
] as const;

export const sinkConfigSchema = z.discriminatedUnion('type', variants);
export type SinkConfig = z.infer<typeof sinkConfigSchema>;
export type SinkType = SinkConfig['type'];

type Named<K extends SinkType> = Extract<SinkConfig, { type: K }> & { name: string };
const factories: { [K in SinkType]: (c: Named<K>) => AlertSink } = {
  ntfy: createNtfySink,
  pushover: createPushoverSink,
  telegram: createTelegramSink,
  gotify: createGotifySink,
  apprise: createAppriseSink,
  webhook: (c) => createWebhookSink(c),
};

/** The name a listed sink goes by: its `name`, else its type. */
export const sinkName = (c: SinkConfig): string => c.name ?? c.type;

/** Builds one listed sink, behind its delivery rule when it has one. `timeZone`: alerts.timeZone. */
export function createListedSink(c: SinkConfig, timeZone: string): AlertSink {
  const create = factories[c.type] as (c: SinkConfig & { name: string }) => AlertSink;
  const sink = create({ ...c, name: sinkName(c) });
  return c.labels || c.cameras || c.quietHours ? filterSink(sink, { labels: c.labels, cameras: c.cameras, quietHours: c.quietHours, timeZone }) : sink;
}

/** Header names whose values are credentials. */
const SECRET_HEADER = /auth|token|key|secret|signature|cookie/i;

/** The values of a sink's configuration that are secrets (registered for redaction everywhere). */
export function sinkSecrets(c: Partial<Record<string, unknown>> & { headers?: Record<string, string> | undefined }): string[] {
  const values = ['token', 'password', 'user', 'urls', 'url'].map((k) => c[k]).filter((v): v is string => typeof v === 'string');
  const headers = Object.entries(c.headers ?? {}).filter(([k]) => SECRET_HEADER.test(k)).map(([, v]) => v);
  // A URL's path is often the secret itself (an ntfy topic, an Apprise key, a webhook id); its origin is not.
  return [...values.filter((v) => !/^https?:\/\/[^/]+\/?$/.test(v)), ...headers];
}
