import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import onvif from 'onvif';
import { errorMessage } from '../../errors.js';
import { log } from '../../log.js';
import { monotonicMs } from '../../time.js';

/**
 * One connection to a camera's ONVIF event service, over the `onvif` lib (pinned exactly in package.json: this file
 * uses its private `_request`, `_envelopeHeader`, `_envelopeFooter` and `timeShift`). Every call has a deadline and
 * honours the stop signal: the lib can stall silently (GUIDE part B).
 */

/** `cameras.<name>.onvif` of the config, as far as the session cares. */
export interface OnvifEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Timing knobs; the defaults suit real cameras, tests shrink them. */
export interface OnvifTiming {
  /** Long-poll asked of the camera in each PullMessages (seconds). A reply comes as soon as a message is queued. */
  pullTimeoutSeconds: number;
  /** Deadline for every request; a pull gets pullTimeoutSeconds on top. Missing it is the watchdog firing. */
  requestTimeoutMs: number;
  /** Reconnect backoff: first wait, doubled per failure, capped. Reset after a successful pull. */
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_ONVIF_TIMING: OnvifTiming = {
  pullTimeoutSeconds: 20,
  requestTimeoutMs: 10_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 30_000,
};

/** Device clock offsets under this are within the 1 s resolution of GetSystemDateAndTime: ignored. */
const SKEW_TOLERANCE_MS = 2_000;

// onvif@0.8.3 has no PullMessages with a chosen Timeout (it hardcodes PT1M), so the pull is built here on its
// (untyped) request primitive and parsed with its own `linerase`; everything else uses its public methods.
const require = createRequire(import.meta.url);
const { linerase } = require('onvif/lib/utils.js') as { linerase(x: unknown): Record<string, unknown> };
interface RawCam {
  _request(
    options: { url: unknown; body: string; replyTimeout: number },
    cb: (err: Error | null, res: unknown) => void,
  ): void;
  _envelopeHeader(openHeader: boolean): string;
  _envelopeFooter(): string;
  /** Device clock minus process uptime, used for WS-Security `Created`; the lib sets it only once. */
  timeShift?: number;
  events: { subscription?: { subscriptionReference: { address: { href: string }; referenceParameters?: { subscriptionId?: string } } } };
}

export class TransportError extends Error {
  override name = 'TransportError';
}
export class AbortedError extends Error {
  override name = 'AbortedError';
}

export function isAuthError(err: unknown): boolean {
  return /notauthori[sz]ed|not authori[sz]ed|unauthori[sz]ed|authentication failed/i.test(errorMessage(err));
}

/** A network failure or a deadline: the camera is away. Anything else (fault, bad XML) is a protocol error. */
export function isTransportError(err: unknown): boolean {
  if (err instanceof TransportError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || /network timeout|socket hang up/i.test(errorMessage(err));
}

/** Run one callback-style lib call with a deadline and the stop signal: the watchdog around a library that can stall. */
export function call<T>(
  what: string,
  ms: number,
  signal: AbortSignal,
  fn: (cb: (err: Error | null, data?: T, xml?: string) => void) => void,
): Promise<T> {
  return callRaw<T>(what, ms, signal, fn).then(([data]) => data);
}

function callRaw<T>(
  what: string,
  ms: number,
  signal: AbortSignal,
  fn: (cb: (err: Error | null, data?: T, xml?: string) => void) => void,
): Promise<[T, string | undefined]> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => finish(() => reject(new AbortedError('stopped')));
    const timer = setTimeout(() => finish(() => reject(new TransportError(`no answer to ${what} within ${ms} ms`))), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();
    try {
      fn((err, data, xml) => finish(() => (err ? reject(err) : resolve([data as T, xml]))));
    } catch (err) {
      finish(() => reject(err));
    }
  });
}

const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** One connection to a camera: a Cam with its own socket pool, torn down as a whole. */
export class Session {
  readonly cam: InstanceType<typeof onvif.Cam>;
  private readonly agent = new Agent({ keepAlive: true });
  /** Device clock minus server clock (ms), 0 within SKEW_TOLERANCE_MS. Re-measured at every renew. */
  offsetMs = 0;
  private renewAt = 0;

  constructor(
    private readonly name: string,
    private readonly endpoint: OnvifEndpoint,
    private readonly timing: OnvifTiming,
    private readonly signal: AbortSignal,
  ) {
    this.cam = new onvif.Cam({
      hostname: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      password: endpoint.password,
      timeout: timing.requestTimeoutMs,
      autoconnect: false,
      // Service addresses as configured, not as advertised (NAT, port forwards).
      preserveAddress: true,
      agent: this.agent,
    });
  }

  private call<T>(what: string, fn: (cb: (err: Error | null, data?: T) => void) => void, extraMs = 0): Promise<T> {
    return call(what, this.timing.requestTimeoutMs + extraMs, this.signal, fn);
  }

  /**
   * Clock sync then service discovery (GetServices, or GetCapabilities on older cameras). Not `Cam.connect()`: its
   * media discovery is not needed for events and throws out of a callback on odd profiles.
   */
  async connect(): Promise<void> {
    const cam = this.cam;
    await this.measureClock();
    try {
      await this.call('GetServices', (cb) => cam.getServices(true, cb));
    } catch (err) {
      if (isAuthError(err) || isTransportError(err) || err instanceof AbortedError) throw err;
      await this.call('GetCapabilities', (cb) => cam.getCapabilities(cb));
    }
    if (!cam.uri?.events) throw new Error('the camera has no ONVIF event service');
  }

  /**
   * GetSystemDateAndTime: the offset used to correct message times, and the lib's WS-Security clock (which it sets
   * only once): a camera whose clock drifts or is stepped (NTP, DST bugs) keeps authenticating and timing right.
   */
  async measureClock(): Promise<void> {
    const deviceTime = await this.call<Date>('GetSystemDateAndTime', (cb) => this.cam.getSystemDateAndTime(cb));
    const offset = deviceTime.getTime() - Date.now();
    const next = Math.abs(offset) < SKEW_TOLERANCE_MS ? 0 : offset;
    if (next !== this.offsetMs) log.debug({ camera: this.name, offsetMs: next }, 'onvif: camera clock offset');
    this.offsetMs = next;
    (this.cam as unknown as RawCam).timeShift = deviceTime.getTime() - process.uptime() * 1000;
  }

  async subscribe(): Promise<void> {
    const sub = await this.call<{ currentTime: Date; terminationTime: Date }>('CreatePullPointSubscription', (cb) =>
      this.cam.createPullPointSubscription(cb),
    );
    this.scheduleRenew(sub);
  }

  private scheduleRenew(t: { currentTime?: unknown; terminationTime?: unknown } | undefined): void {
    const granted =
      t?.currentTime instanceof Date && t.terminationTime instanceof Date
        ? t.terminationTime.getTime() - t.currentTime.getTime()
        : 60_000;
    this.renewAt = monotonicMs() + Math.max(granted, 2_000) / 2; // a duration: immune to clock steps
  }

  /** Renew the subscription when half its lifetime is gone, re-measuring the camera clock first. */
  async renewIfDue(): Promise<void> {
    if (monotonicMs() < this.renewAt) return;
    await this.measureClock();
    const res = await this.call<{ currentTime?: unknown; terminationTime?: unknown }>('Renew', (cb) => this.cam.renew({}, cb));
    this.scheduleRenew(res);
  }

  /** One long-poll; resolves with the raw notification messages (possibly none). */
  async pull(): Promise<unknown[]> {
    const raw = this.cam as unknown as RawCam;
    const ref = raw.events.subscription?.subscriptionReference;
    if (!ref) throw new Error('no subscription');
    const subscriptionId = ref.referenceParameters?.subscriptionId;
    const to = subscriptionId
      ? `<a:To mustUnderstand="1">${ref.address.href}</a:To><SubscriptionId xmlns="http://www.axis.com/2009/event" a:IsReferenceParameter="true">${subscriptionId}</SubscriptionId>`
      : `<a:To>${ref.address.href}</a:To>`;
    const body =
      raw._envelopeHeader(true) +
      to +
      '</s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
      `<PullMessages xmlns="http://www.onvif.org/ver10/events/wsdl"><Timeout>PT${this.timing.pullTimeoutSeconds}S</Timeout>` +
      '<MessageLimit>100</MessageLimit></PullMessages>' +
      raw._envelopeFooter();
    const pollMs = this.timing.pullTimeoutSeconds * 1000;
    const res = await this.call<unknown>(
      'PullMessages',
      (cb) => raw._request({ url: ref.address, body, replyTimeout: pollMs + this.timing.requestTimeoutMs }, cb),
      pollMs,
    );
    return notificationMessages(res);
  }

  /** GetEventProperties: the raw XML (its TopicSet keeps the namespace prefixes the lib's parse strips). */
  async eventProperties(): Promise<string> {
    const [, xml] = await callRaw<unknown>('GetEventProperties', this.timing.requestTimeoutMs, this.signal, (cb) =>
      this.cam.getEventProperties(cb),
    );
    return xml ?? '';
  }

  /** Best effort, bounded: a camera that does not answer forgets the subscription when it expires. */
  async unsubscribe(): Promise<void> {
    if (!this.cam.events.subscription) return;
    const quick = new AbortController();
    await call('Unsubscribe', 2_000, quick.signal, (cb) => this.cam.unsubscribe(cb, true)).catch((err: unknown) =>
      log.debug({ camera: this.name, err: errorMessage(err) }, 'onvif: unsubscribe failed'),
    );
  }

  close(): void {
    this.agent.destroy();
  }

  describe(): string {
    return `${this.endpoint.host}:${this.endpoint.port}`;
  }
}

/** The notification messages of a parsed PullMessages answer (the body the lib's `_request` yields). */
export function notificationMessages(body: unknown): unknown[] {
  const response = linerase(body).pullMessagesResponse;
  if (typeof response !== 'object' || response === null) throw new Error('PullMessages answer without PullMessagesResponse');
  return asArray((response as Record<string, unknown>).notificationMessage);
}
