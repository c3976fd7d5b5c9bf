import { errorMessage, UserError } from '../errors.js';
import { log } from '../log.js';
import { registerSecret } from '../redact.js';
import { backoffMs, fullJitter, sleep } from '../wait.js';
import { topicFilter, type EventLabel } from './onvif/labels.js';
import { parseNotification } from './onvif/message.js';
import { messageTime, normalise, topicMapRules, type Normalised, type TopicMap } from './onvif/normalise.js';
import { AbortedError, DEFAULT_ONVIF_TIMING, isAuthError, isTransportError, Session, type OnvifEndpoint, type OnvifTiming } from './onvif/session.js';
import { describeTopics, parseTopicSet, type TopicListing } from './onvif/topic-set.js';
import type { TopicRule } from './onvif/vendors.js';
import type { Observation } from './tracker.js';
import { monotonicMs } from '../time.js';

export { DEFAULT_ONVIF_TIMING, type OnvifTiming };

/** `cameras.<name>.onvif` of the config. */
export interface OnvifCameraConfig extends OnvifEndpoint {
  /** Normalised labels to keep (see onvif/labels.ts EVENT_LABELS); default DEFAULT_TOPICS. */
  topics?: string[];
  /** Topic (pattern) → label or "ignore", tried before the vendor table. */
  topicMap?: TopicMap;
}

/** What a source is doing; reported once per change (logged, and to `onState`). */
export type SourceState = 'connecting' | 'online' | 'offline' | 'unauthorized' | 'stopped';

export interface OnvifSourceOptions {
  camera: string;
  config: OnvifCameraConfig;
  signal: AbortSignal;
  /**
   * Called for every normalised, filtered notification, with its time corrected to server time. The next pull waits
   * for what it returns: a slow reader of the records holds the source (the camera keeps its events meanwhile).
   */
  onObservation(obs: Observation): void | Promise<void>;
  onState?(state: SourceState, detail?: string): void;
  timing?: Partial<OnvifTiming>;
}

/** An empty PullMessages answer quicker than this means the camera ignores Timeout: wait this long before the next. */
const MIN_EMPTY_PULL_MS = 500;
/** Consecutive malformed answers or SOAP faults handled by renewing the subscription before a full reconnect. */
const MAX_PROTOCOL_ERRORS = 3;

/**
 * Both config checks of `cameras.<name>.onvif` that need the label vocabulary (`topics`, `topicMap`); throws an
 * Error naming the key. Also returns what the watcher needs from them.
 */
export function onvifFilters(config: Pick<OnvifCameraConfig, 'topics' | 'topicMap'>): { keep: (l: EventLabel) => boolean; rules: TopicRule[] } {
  let keep: (l: EventLabel) => boolean;
  try {
    keep = topicFilter(config.topics);
  } catch (err) {
    throw new Error(`topics: ${errorMessage(err)}`);
  }
  try {
    return { keep, rules: topicMapRules(config.topicMap) };
  } catch (err) {
    throw new Error(`topicMap: ${errorMessage(err)}`);
  }
}

/** onvifFilters as a UserError naming the key (`cameras.front.onvif.topicMap: …`), before anything is contacted. */
export function checkOnvifConfig(camera: string, config: Pick<OnvifCameraConfig, 'topics' | 'topicMap'>): void {
  try {
    onvifFilters(config);
  } catch (err) {
    throw new UserError(`cameras.${camera}.onvif.${errorMessage(err)}`);
  }
}

/** What each topic's first message told us, logged once per topic so a user can report an unknown camera. */
function logOnce(camera: string, seen: Set<string>, topic: string, norm: Normalised): void {
  const note = norm.via === 'fallback' ? 'fallback' : norm.note;
  if (!note || seen.has(`${note} ${topic}`)) return;
  seen.add(`${note} ${topic}`);
  const label = norm.rule?.label;
  if (note === 'fallback') log.info({ camera, topic, label }, `onvif: topic mapped by fallback to "${label}" (please report it so it joins the vendor table)`);
  else if (note === 'unmapped') log.info({ camera, topic }, 'onvif: ignoring a topic with no normalised meaning (map it with cameras.<name>.onvif.topicMap)');
  else if (note === 'missing-state') log.info({ camera, topic, item: norm.rule?.item }, 'onvif: known topic without its state item: taken as a momentary event');
  else if (note === 'unreadable') log.info({ camera, topic }, 'onvif: state value is not a boolean: message ignored');
  else log.debug({ camera, topic }, 'onvif: not an event (I/O, PTZ, day/night, counter …)');
}

/** The observations one raw message gives: normalised, filtered by `topics`, timed in server time. Pure but for logs. */
export function observationsOf(
  camera: string,
  message: unknown,
  ctx: { keep: (l: EventLabel) => boolean; rules: readonly TopicRule[]; offsetMs: number; now: number; seen: Set<string> },
): Observation[] {
  const n = parseNotification(message);
  if (!n) return [];
  const norm = normalise(n, ctx.rules);
  logOnce(camera, ctx.seen, n.topic, norm);
  const at = messageTime(n.utcTime, ctx.offsetMs, ctx.now);
  const initialized = n.propertyOperation === 'Initialized';
  return norm.changes
    .filter((c) => ctx.keep(c.label))
    .map((c) => ({ camera, label: c.label, active: c.active, at, initialized, topic: n.topic, ...(c.pulse ? { pulse: true } : {}) }));
}

/** Reports source state changes once each (repeats go to debug). */
function stateReporter(camera: string, onState: OnvifSourceOptions['onState']) {
  let state: SourceState | undefined;
  const set = (next: SourceState, detail: string, level: 'info' | 'warn' | 'error' = 'info') => {
    if (next === state) {
      log.debug({ camera, detail }, `onvif: still ${next}`);
      return;
    }
    state = next;
    log[level]({ camera, state: next }, `camera ${camera}: ${detail}`);
    onState?.(next, detail);
  };
  return { set, get: () => state };
}

/** The state and message for a failed connection; a wrong password waits the longest backoff. */
export function failureReport(camera: string, where: string, username: string | undefined, err: unknown) {
  if (isAuthError(err)) {
    return {
      state: 'unauthorized' as const,
      level: 'error' as const,
      detail: `ONVIF login refused by ${where} for user "${username ?? ''}": wrong username or password in cameras.${camera}.onvif (${errorMessage(err)})`,
    };
  }
  return { state: 'offline' as const, level: 'warn' as const, detail: `ONVIF at ${where} unreachable, retrying (${errorMessage(err)})` };
}

/**
 * Pull until the signal aborts or the camera fails for good (rejects). Malformed answers and SOAP faults renew the
 * subscription in place, up to MAX_PROTOCOL_ERRORS in a row. `onPulled` is told after every good answer.
 */
async function pullLoop(session: Session, signal: AbortSignal, handle: (messages: unknown[]) => Promise<void>, onPulled: () => void): Promise<void> {
  let protocolErrors = 0;
  while (!signal.aborted) {
    try {
      const asked = monotonicMs();
      const messages = await session.pull();
      // A camera that ignores the long-poll Timeout must not make this a busy loop.
      if (messages.length === 0 && monotonicMs() - asked < MIN_EMPTY_PULL_MS) await sleep(MIN_EMPTY_PULL_MS, signal);
      protocolErrors = 0;
      onPulled();
      await handle(messages);
      await session.renewIfDue();
    } catch (err) {
      if (signal.aborted || isTransportError(err) || isAuthError(err) || ++protocolErrors > MAX_PROTOCOL_ERRORS) throw err;
      log.warn({ err: errorMessage(err) }, `camera at ${session.describe()}: bad answer from the camera, renewing the subscription`);
      await session.unsubscribe();
      await session.subscribe();
    }
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
  const { keep, rules } = onvifFilters(config);
  registerSecret(config.password);
  const seen = new Set<string>();
  const state = stateReporter(camera, opts.onState);

  const backoff = { baseMs: timing.backoffInitialMs, maxMs: timing.backoffMaxMs };
  /** Failed connections in a row (reset by a good pull): the wait before the next one is drawn from them. */
  let failures = 0;
  while (!signal.aborted) {
    const session = new Session(camera, config, timing, signal);
    try {
      if (state.get() === undefined) state.set('connecting', `connecting to ONVIF at ${session.describe()}`);
      await session.connect();
      await session.subscribe();
      const skew = session.offsetMs ? ` (camera clock off by ${Math.round(session.offsetMs / 1000)} s, corrected)` : '';
      state.set('online', `subscribed to ONVIF events at ${session.describe()}${skew}`);
      const handle = async (messages: unknown[]) => {
        const ctx = { keep, rules, offsetMs: session.offsetMs, now: Date.now(), seen };
        for (const m of messages) for (const obs of observationsOf(camera, m, ctx)) await opts.onObservation(obs);
      };
      await pullLoop(session, signal, handle, () => (failures = 0));
    } catch (err) {
      if (!signal.aborted && !(err instanceof AbortedError)) {
        const failure = failureReport(camera, session.describe(), config.username, err);
        failures = failure.state === 'unauthorized' ? Number.POSITIVE_INFINITY : failures + 1; // a wrong password waits the longest
        state.set(failure.state, failure.detail, failure.level);
      }
    } finally {
      if (signal.aborted) await session.unsubscribe();
      session.close();
    }
    if (signal.aborted) break;
    // Full jitter (wait.ts): cameras that went away together (a switch rebooting) do not come back in step.
    await sleep(fullJitter(backoffMs(Math.max(1, failures), backoff)), signal);
  }
  state.set('stopped', 'ONVIF events stopped');
}

/** `watch-events --list-topics`: the topics a camera advertises (GetEventProperties) and what each maps to. */
export async function listOnvifTopics(camera: string, config: OnvifCameraConfig, opts: { signal: AbortSignal; timing?: Partial<OnvifTiming> }): Promise<TopicListing[]> {
  const timing = { ...DEFAULT_ONVIF_TIMING, ...opts.timing };
  const { rules } = onvifFilters(config);
  registerSecret(config.password);
  const session = new Session(camera, config, timing, opts.signal);
  try {
    await session.connect();
    return describeTopics(await parseTopicSet(await session.eventProperties()), rules);
  } finally {
    session.close();
  }
}
