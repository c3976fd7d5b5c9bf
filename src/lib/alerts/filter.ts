import { coveredByAny } from '../detect/labels.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

/**
 * Per-sink filters as a wrapper (restic style: wrappers instead of flags): `filterSink(sink, rule)` is an AlertSink
 * that passes an alert on only when `deliveryDecision` says so, and otherwise answers `{ skipped: reason }`. The
 * decision is pure and table-tested; the wrapped sink knows nothing about it.
 */
export interface DeliveryRule {
  /** Only alerts with one of these labels (a category such as vehicle covers its members); all when absent. */
  labels?: readonly string[] | undefined;
  /** Only alerts of these cameras; all when absent. */
  cameras?: readonly string[] | undefined;
  /** Held back from `from` to `to` (local `HH:MM`, 24 h; `to` before `from` spans midnight). */
  quietHours?: { from: string; to: string } | undefined;
  /** IANA time zone the quiet hours are read in (alerts.timeZone, default the host's). */
  timeZone: string;
}

export type Delivery = { deliver: true } | { deliver: false; reason: string };

/** Pure: whether `alert` goes to a sink with `rule`, the alert being sent at `nowMs`. */
export function deliveryDecision(rule: DeliveryRule, alert: Pick<Alert, 'camera' | 'labels'>, nowMs: number): Delivery {
  if (rule.cameras && !rule.cameras.includes(alert.camera)) return { deliver: false, reason: `camera ${alert.camera} not in this sink's cameras` };
  if (rule.labels && !alert.labels.some((l) => coveredByAny(rule.labels!, l.name))) {
    return { deliver: false, reason: `none of ${alert.labels.map((l) => l.name).join(', ')} in this sink's labels` };
  }
  if (rule.quietHours && inQuietHours(localMinutes(nowMs, rule.timeZone), rule.quietHours)) {
    return { deliver: false, reason: `quiet hours ${rule.quietHours.from}–${rule.quietHours.to} (${rule.timeZone})` };
  }
  return { deliver: true };
}

/** Pure: minutes since local midnight of `ms` in `timeZone` (DST-aware, through Intl). */
export function localMinutes(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return n('hour') * 60 + n('minute');
}

/** Pure: whether `minutes` (since local midnight) falls in [from, to), the window spanning midnight when to < from. */
export function inQuietHours(minutes: number, window: { from: string; to: string }): boolean {
  const from = clockMinutes(window.from);
  const to = clockMinutes(window.to);
  return from <= to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

/** `HH:MM` → minutes since midnight. */
export function clockMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** The host's time zone, the default of alerts.timeZone. */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A sink behind its delivery rule; `inner` and `rule` let `cctv alert test` reach the sink itself. */
export interface FilteredSink extends AlertSink {
  readonly inner: AlertSink;
  readonly rule: DeliveryRule;
}

export function filterSink(inner: AlertSink, rule: DeliveryRule, now: () => number = Date.now): FilteredSink {
  return {
    name: inner.name,
    inner,
    rule,
    async send(alert: Alert): Promise<SendReceipt | void> {
      const d = deliveryDecision(rule, alert, now());
      return d.deliver ? inner.send(alert) : { skipped: d.reason };
    },
    ...(inner.eventEnded ? { eventEnded: inner.eventEnded.bind(inner) } : {}),
    close: () => inner.close(),
  };
}
