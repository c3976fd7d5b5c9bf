import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import onvif from 'onvif';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { registerSecret } from '../redact.js';
import { normaliseEvent, parseNotification, topicFilter } from './onvif-topics.js';
import type { Observation } from './tracker.js';

/** `cameras.<name>.onvif` of the config. */
export interface OnvifCameraConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Normalised labels to keep (see onvif-topics EVENT_LABELS); default DEFAULT_TOPICS. */
  topics?: string[];
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

/** What a source is doing; reported once per change (logged, and to `onState`). */
export type SourceState = 'connecting' | 'online' | 'offline' | 'unauthorized' | 'stopped';

export interface OnvifSourceOptions {
  camera: string;
  config: OnvifCameraConfig;
  signal: AbortSignal;
  /** Called for every normalised, filtered notification, with its time corrected to server time. */
  onObservation(obs: Observation): void;
  onState?(state: SourceState, detail?: string): void;
  timing?: Partial<OnvifTiming>;
}

/** Device clock offsets under this are within the 1 s resolution of GetSystemDateAndTime: ignored. */
const SKEW_TOLERANCE_MS = 2_000;
/** An empty PullMessages answer quicker than this means the camera ignores Timeout: wait this long before the next. */
const MIN_EMPTY_PULL_MS = 500;
/** Consecutive malformed answers or SOAP faults handled by renewing the subscription before a full reconnect. */
const MAX_PROTOCOL_ERRORS = 3;

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
  events: { subscription?: { subscriptionReference: { address: { href: string }; referenceParameters?: { subscriptionId?: string } } } };
}

class TransportError extends Error {
  override name = 'TransportError';
}
class AbortedError extends Error {
  override name = 'AbortedError';
}

function isAuthError(err: unknown): boolean {
  return /notauthori[sz]ed|not authori[sz]ed|unauthori[sz]ed|authentication failed/i.test(errorMessage(err));
}

/** A network failure or a deadline: the camera is away. Anything else (fault, bad XML) is a protocol error. */
function isTransportError(err: unknown): boolean {
  if (err instanceof TransportError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || /network timeout|socket hang up/i.test(errorMessage(err));
}

/** Run one callback-style lib call with a deadline and the stop signal: the watchdog around a library that can stall. */
function call<T>(
  what: string,
  ms: number,
  signal: AbortSignal,
  fn: (cb: (err: Error | null, data?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
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
      fn((err, data) => finish(() => (err ? reject(err) : resolve(data as T))));
    } catch (err) {
      finish(() => reject(err));
    }
  });
}

const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** One connection to a camera: a Cam with its own socket pool, torn down as a whole. */
class Session {
  readonly cam: InstanceType<typeof onvif.Cam>;
  private readonly agent = new Agent({ keepAlive: true });
  /** Device clock minus server clock (ms), 0 within SKEW_TOLERANCE_MS. */
  offsetMs = 0;
  private renewAt = 0;

  constructor(
    private readonly name: string,
    private readonly config: OnvifCameraConfig,
    private readonly timing: OnvifTiming,
    private readonly signal: AbortSignal,
  ) {
    this.cam = new onvif.Cam({
      hostname: config.host,
      port: config.port,
      username: config.username,
      password: config.password,
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
    const deviceTime = await this.call<Date>('GetSystemDateAndTime', (cb) => cam.getSystemDateAndTime(cb));
    const offset = deviceTime.getTime() - Date.now();
    this.offsetMs = Math.abs(offset) < SKEW_TOLERANCE_MS ? 0 : offset;
    try {
      await this.call('GetServices', (cb) => cam.getServices(true, cb));
    } catch (err) {
      if (isAuthError(err) || isTransportError(err) || err instanceof AbortedError) throw err;
      await this.call('GetCapabilities', (cb) => cam.getCapabilities(cb));
    }
    if (!cam.uri?.events) throw new Error('the camera has no ONVIF event service');
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
    this.renewAt = Date.now() + Math.max(granted, 2_000) / 2;
  }

  async renewIfDue(): Promise<void> {
    if (Date.now() < this.renewAt) return;
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
    const response = linerase(res).pullMessagesResponse;
    if (typeof response !== 'object' || response === null) throw new Error('PullMessages answer without PullMessagesResponse');
    return asArray((response as Record<string, unknown>).notificationMessage);
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
    return `${this.config.host}:${this.config.port}`;
  }
}

/**
 * Watch one camera's ONVIF events until `signal` aborts, whatever the camera does: reconnects with capped backoff,
 * renews the subscription after malformed answers or SOAP faults, abandons any request that misses its deadline.
 * Never rejects (except on a programming error); a wrong password is reported as state `unauthorized` with a message
 * naming the camera, and retried at the backoff cap. Unsubscribes on stop.
 */
export async function watchOnvifCamera(opts: OnvifSourceOptions): Promise<void> {
  const { camera, config, signal } = opts;
  const timing = { ...DEFAULT_ONVIF_TIMING, ...opts.timing };
  const keep = topicFilter(config.topics);
  registerSecret(config.password);
  const unknownTopics = new Set<string>();
  let state: SourceState | undefined;
  const setState = (next: SourceState, detail: string, level: 'info' | 'warn' | 'error' = 'info') => {
    if (next === state) {
      log.debug({ camera, detail }, `onvif: still ${next}`);
      return;
    }
    state = next;
    log[level]({ camera, state: next }, `camera ${camera}: ${detail}`);
    opts.onState?.(next, detail);
  };

  const handle = (session: Session, message: unknown) => {
    const n = parseNotification(message);
    if (!n) return;
    const norm = normaliseEvent(n.topic, n.data);
    if (!norm) {
      if (!unknownTopics.has(n.topic)) {
        unknownTopics.add(n.topic);
        log.info({ camera, topic: n.topic }, 'onvif: ignoring a topic with no normalised meaning');
      }
      return;
    }
    if (!keep(norm.label)) return;
    const now = Date.now();
    const at = new Date(n.utcTime ? Math.min(n.utcTime.getTime() - session.offsetMs, now) : now);
    const obs: Observation = { camera, label: norm.label, active: norm.active, at, initialized: n.propertyOperation === 'Initialized', topic: n.topic };
    opts.onObservation(obs);
    if (norm.pulse) opts.onObservation({ ...obs, active: false });
  };

  let backoff = timing.backoffInitialMs;
  while (!signal.aborted) {
    const session = new Session(camera, config, timing, signal);
    let subscribed = false;
    try {
      if (state === undefined) setState('connecting', `connecting to ONVIF at ${session.describe()}`);
      await session.connect();
      await session.subscribe();
      subscribed = true;
      setState('online', `subscribed to ONVIF events at ${session.describe()}${session.offsetMs ? ` (camera clock off by ${Math.round(session.offsetMs / 1000)} s, corrected)` : ''}`);
      let protocolErrors = 0;
      while (!signal.aborted) {
        try {
          const asked = Date.now();
          const messages = await session.pull();
          // A camera that ignores the long-poll Timeout must not make this a busy loop.
          if (messages.length === 0 && Date.now() - asked < MIN_EMPTY_PULL_MS) {
            await delay(MIN_EMPTY_PULL_MS, undefined, { signal }).catch(() => undefined);
          }
          protocolErrors = 0;
          backoff = timing.backoffInitialMs;
          for (const m of messages) handle(session, m);
          await session.renewIfDue();
        } catch (err) {
          if (signal.aborted || isTransportError(err) || isAuthError(err) || ++protocolErrors > MAX_PROTOCOL_ERRORS) throw err;
          log.warn({ camera, err: errorMessage(err) }, `camera ${camera}: bad answer from the camera, renewing the subscription`);
          subscribed = false;
          await session.unsubscribe();
          await session.subscribe();
          subscribed = true;
        }
      }
    } catch (err) {
      if (signal.aborted) break;
      if (isAuthError(err)) {
        backoff = timing.backoffMaxMs;
        setState(
          'unauthorized',
          `ONVIF login refused by ${session.describe()} for user "${config.username ?? ''}": wrong username or password in cameras.${camera}.onvif (${errorMessage(err)})`,
          'error',
        );
      } else {
        setState('offline', `ONVIF at ${session.describe()} unreachable, retrying (${errorMessage(err)})`, 'warn');
      }
    } finally {
      if (signal.aborted && subscribed) await session.unsubscribe();
      session.close();
    }
    if (signal.aborted) break;
    await delay(backoff, undefined, { signal }).catch(() => undefined);
    backoff = Math.min(backoff * 2, timing.backoffMaxMs);
  }
  setState('stopped', 'ONVIF events stopped');
}
