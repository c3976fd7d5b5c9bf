/**
 * Time shared by every layer: a span of time, and durations and times as the CLI accepts them (CONTRACT §1):
 * durations `30s`, `15m`, `24h`, `7d`; times ISO 8601. Pure; callers turn a null into a UserError naming their flag
 * (see DURATION_FORMS, TIME_FORMS).
 */

/** A span of time, in ms since the epoch: [fromMs, toMs). */
export interface Span {
  fromMs: number;
  toMs: number;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(s|m|h|d)$/;
/** A date, optionally with a time (seconds, fractions), and a zone (`Z` or ±hh:mm) when a time is given. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export const DURATION_FORMS = '30s, 15m, 24h or 7d';
export const TIME_FORMS = `a duration ago (${DURATION_FORMS}) or an ISO 8601 time (2024-05-01, 2024-05-01T12:00:00Z)`;

/** `24h` → 86400000; null when `text` is not a whole number followed by s, m, h or d. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : null;
}

/**
 * A point in time given as a duration before `nowMs` (`24h` = a day ago) or an ISO 8601 time (a date alone is
 * midnight UTC; a time needs its zone, so it never depends on the machine's). Null when it is neither.
 */
export function parseTime(text: string, nowMs: number): number | null {
  const t = text.trim();
  const ago = parseDuration(t);
  if (ago !== null) return nowMs - ago;
  if (!ISO.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Milliseconds of a monotonic clock (performance.now()): for every duration, timeout, watchdog and backoff. The
 * wall clock (Date.now()) may step (NTP, a dead RTC battery) and is only for times that are written down.
 */
export function monotonicMs(): number {
  return performance.now();
}
