import { fallbackLabel } from './fallback.js';
import { CLASS_LABELS, classLabels, isEventLabel, type EventLabel } from './labels.js';
import { topicPath, toBool, type ParsedNotification, type SimpleItem } from './message.js';
import { VENDOR_RULES, type StateKind, type TopicRule } from './vendors.js';

/**
 * Vendor normalisation of one ONVIF notification: pure, no I/O. Rules are tried in order: the user's `topicMap`,
 * the vendor table (vendors.ts), then the generic fallback (fallback.ts). The result says which one decided, so the
 * watcher can log "mapped by fallback" or "unmapped" once per topic.
 */

/** One label going on or off. `pulse`: an instant (line crossed), the tracker closes it by itself. */
export interface LabelChange {
  label: EventLabel;
  active: boolean;
  pulse?: true;
}

export type Via = 'user' | 'vendor' | 'fallback';

export interface Normalised {
  changes: LabelChange[];
  /** Who mapped the topic; undefined when nobody did. */
  via?: Via;
  /**
   * Worth a log line (once per topic): `non-event` (known or recognised as I/O, PTZ …: debug), `unmapped`
   * (nobody knows it), `missing-state` (a known topic without its state item: taken as an instant),
   * `unreadable` (a state value that is not a boolean).
   */
  note?: 'non-event' | 'unmapped' | 'missing-state' | 'unreadable';
  /** The rule or fallback that decided, for logs and `--list-topics`. */
  rule?: { label: EventLabel | null; kind: StateKind; item?: string; vendor: string };
}

/** Data items that carry an on/off state when a rule names none, in order of preference (lower-cased). */
const STATE_ITEMS = ['ismotion', 'state', 'isinside', 'istamper', 'active', 'motion', 'detected', 'value', 'alarm'];
/** Data items holding an object class (list) that refines a label. */
const CLASS_ITEMS = ['classtypes', 'classtype', 'objecttype', 'class'];

/** `cameras.<name>.onvif.topicMap`: topic (with or without prefixes, `*` wildcards) → label, or `ignore`. */
export type TopicMap = Record<string, string>;

/** The user's map as rules; throws naming the first bad label (callers add the config key). */
export function topicMapRules(map: TopicMap | undefined): TopicRule[] {
  return Object.entries(map ?? {}).map(([topic, label]): TopicRule => {
    if (label === 'ignore') return { vendor: 'topicMap', topic, label: null };
    if (!isEventLabel(label)) throw new Error(`${JSON.stringify(topic)}: unknown label ${JSON.stringify(label)} (use a topics label or "ignore")`);
    return { vendor: 'topicMap', topic, label, kind: label === 'line-crossing' ? 'pulse' : 'state' };
  });
}

export function topicMatches(pattern: string, path: readonly string[]): boolean {
  const want = topicPath(pattern).map((s) => s.toLowerCase());
  const rest = want.at(-1) === '**';
  const fixed = rest ? want.slice(0, -1) : want;
  if (rest ? path.length < fixed.length : path.length !== fixed.length) return false;
  return fixed.every((seg, i) => seg === '*' || seg === path[i]!.toLowerCase());
}

const findItem = (items: readonly SimpleItem[], name: string) => items.find((i) => i.name.toLowerCase() === name.toLowerCase());

/** The item carrying the state when a rule names none: a known state name, else the only non-class item. */
function defaultStateItem(items: readonly SimpleItem[]): SimpleItem | undefined {
  const byName = STATE_ITEMS.map((n) => findItem(items, n)).find((i) => i);
  if (byName) return byName;
  const plain = items.filter((i) => !CLASS_ITEMS.includes(i.name.toLowerCase()));
  return plain.length === 1 ? plain[0] : undefined;
}

function classItem(items: readonly SimpleItem[]): SimpleItem | undefined {
  return items.find((i) => CLASS_ITEMS.includes(i.name.toLowerCase()));
}

/** A state with an optional class list: the classes go on (others off); without classes, the rule's own label. */
function stateChanges(label: EventLabel, active: boolean, classes: EventLabel[] | undefined): LabelChange[] {
  if (classes === undefined) return [{ label, active }];
  if (!active) return [...new Set([label, ...CLASS_LABELS])].map((l) => ({ label: l, active: false }));
  if (classes.length === 0) return [{ label, active: true }];
  return CLASS_LABELS.map((l) => ({ label: l, active: classes.includes(l) }));
}

function apply(rule: TopicRule & { label: EventLabel }, n: ParsedNotification, via: Via): Normalised {
  const kind = rule.kind ?? 'state';
  const base = { via, rule: { label: rule.label, kind, item: rule.item, vendor: rule.vendor } };
  const initialized = n.propertyOperation === 'Initialized';
  const stateItem = rule.item ? findItem(n.data, rule.item) : defaultStateItem(n.data);
  const cls = classItem(n.data);
  const classes = cls ? classLabels(cls.value) : undefined;

  if (kind === 'classes') {
    if (!stateItem) return missingState(rule.label, initialized, base);
    return { ...base, changes: CLASS_LABELS.map((l) => ({ label: l, active: classLabels(stateItem.value).includes(l) })) };
  }
  if (kind === 'pulse') {
    // An instant is never a state: Initialized (subscribe time) replays the last crossing, not a new one.
    if (initialized) return { ...base, changes: [] };
    if (stateItem && toBool(stateItem.value) === false) return { ...base, changes: [] };
    const labels = [rule.label, ...(classes ?? [])];
    return { ...base, changes: labels.map((label) => ({ label, active: true, pulse: true as const })) };
  }
  if (!stateItem) return missingState(rule.label, initialized, base);
  const active = toBool(stateItem.value);
  if (active === null) return { ...base, changes: [], note: 'unreadable' };
  return { ...base, changes: stateChanges(rule.label, active, classes) };
}

/** A known topic whose message lacks its state item: an instant when it reports something new, else nothing. */
function missingState(label: EventLabel, initialized: boolean, base: Omit<Normalised, 'changes'>): Normalised {
  return { ...base, note: 'missing-state', changes: initialized ? [] : [{ label, active: true, pulse: true }] };
}

/**
 * Normalise one notification. `userRules` come from `topicMapRules(cameras.<name>.onvif.topicMap)`.
 * Never throws; an empty `changes` with a `note` says why nothing came out.
 */
export function normalise(n: ParsedNotification, userRules: readonly TopicRule[] = []): Normalised {
  const path = topicPath(n.topic);
  for (const [rules, via] of [[userRules, 'user'], [VENDOR_RULES, 'vendor']] as const) {
    const matching = rules.filter((r) => topicMatches(r.topic, path));
    if (matching.length === 0) continue;
    // Rows keyed by item name (Tapo's smart-event topic) and a message with another item: let the fallback read it.
    // No Data item at all: the first row, whose state is then missing.
    const rule = matching.find((r) => !r.item || findItem(n.data, r.item)) ?? (n.data.length === 0 ? matching[0] : undefined);
    if (!rule) break;
    if (rule.label === null) return { changes: [], via, note: 'non-event', rule: { label: null, kind: 'state', vendor: rule.vendor } };
    return apply({ ...rule, label: rule.label }, n, via);
  }
  const stateItems = n.data.filter((i) => toBool(i.value) !== null || CLASS_ITEMS.includes(i.name.toLowerCase())).map((i) => i.name);
  const fb = fallbackLabel(path, stateItems);
  if (fb.kind === 'non-event') return { changes: [], note: 'non-event' };
  if (fb.kind === 'unmapped') return { changes: [], note: 'unmapped' };
  const kind: StateKind = fb.label === 'line-crossing' ? 'pulse' : 'state';
  return apply({ vendor: 'fallback', topic: n.topic, item: fb.item, label: fb.label, kind }, n, 'fallback');
}

/** How far a camera's UtcTime (corrected for clock skew) may lie in the past before it is not believed. */
export const STALE_EVENT_MS = 5 * 60_000;

/**
 * Server time of a message: its UtcTime corrected by the camera clock offset, but never in the future and never
 * older than STALE_EVENT_MS (Reolink reports 1970 for detectors that never fired; Initialized messages carry the
 * time of the last change, hours ago): then the time it arrived.
 */
export function messageTime(utc: Date | undefined, offsetMs: number, now: number): Date {
  if (!utc) return new Date(now);
  const t = utc.getTime() - offsetMs;
  return new Date(t > now || now - t > STALE_EVENT_MS ? now : t);
}
