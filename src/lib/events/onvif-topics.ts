/**
 * Vendor normalisation of ONVIF event topics: pure, no I/O.
 *
 * Cameras name the same thing differently (GUIDE field notes): Hikvision/Dahua/Reolink send
 * `tns1:RuleEngine/CellMotionDetector/Motion` with `IsMotion`, the ONVIF standard has
 * `tns1:VideoSource/MotionAlarm` with `State`, Axis uses `tnsaxis:CameraApplicationPlatform/VMD/...` with
 * `active` 1/0, Reolink's AI sends `tns1:RuleEngine/MyRuleDetector/PeopleDetect` and friends. This module maps
 * (topic, data items) to one label of a small vocabulary and a boolean.
 */

/** The normalised names users write in `cameras.<name>.onvif.topics` and that appear in `event.labels`. */
export const EVENT_LABELS = [
  'motion',
  'person',
  'vehicle',
  'animal',
  'package',
  'visitor',
  'face',
  'intrusion',
  'line-crossing',
  'tamper',
] as const;
export type EventLabel = (typeof EVENT_LABELS)[number];

/** What `topics:` means when absent: every motion-like label (tamper is opt-in). */
export const DEFAULT_TOPICS: readonly EventLabel[] = EVENT_LABELS.filter((l) => l !== 'tamper');

/**
 * One normalised observation. `pulse` marks topics that only ever report an instant (a line was crossed):
 * the consumer treats them as a start immediately followed by a stop.
 */
export interface NormalisedEvent {
  label: EventLabel;
  active: boolean;
  pulse?: true;
}

interface Rule {
  /** Topic path segments with namespace prefixes removed, compared case-insensitively; `*` matches any. */
  path: string[];
  label: EventLabel;
  pulse?: true;
}

const MY_RULE_DETECTOR: Array<[string, EventLabel]> = [
  ['PeopleDetect', 'person'],
  ['FaceDetect', 'face'],
  ['VehicleDetect', 'vehicle'],
  ['DogCatDetect', 'animal'],
  ['Package', 'package'],
  ['PackageDetect', 'package'],
  ['Visitor', 'visitor'],
  ['Motion', 'motion'],
];

const RULES: Rule[] = [
  { path: ['RuleEngine', 'CellMotionDetector', 'Motion'], label: 'motion' },
  { path: ['VideoSource', 'MotionAlarm'], label: 'motion' },
  { path: ['RuleEngine', 'MotionRegionDetector', 'Motion'], label: 'motion' },
  { path: ['CameraApplicationPlatform', 'VMD', '*'], label: 'motion' },
  { path: ['VideoAnalytics', 'MotionDetection'], label: 'motion' },
  ...MY_RULE_DETECTOR.map(([name, label]): Rule => ({ path: ['RuleEngine', 'MyRuleDetector', name], label })),
  { path: ['RuleEngine', 'FieldDetector', 'ObjectsInside'], label: 'intrusion' },
  { path: ['RuleEngine', 'LineDetector', 'Crossed'], label: 'line-crossing', pulse: true },
  { path: ['RuleEngine', 'TamperDetector', 'Tamper'], label: 'tamper' },
  { path: ['VideoSource', 'GlobalSceneChange', '*'], label: 'tamper' },
];

/** Data item names that carry the on/off state, in order of preference (lower-cased). */
const STATE_ITEMS = ['ismotion', 'state', 'isinside', 'istamper', 'active', 'motion', 'value'];

/** `tns1:VideoAnalytics/tnsaxis:MotionDetection` → `['VideoAnalytics', 'MotionDetection']`, any prefix names. */
export function topicPath(topic: string): string[] {
  return topic
    .trim()
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => s.slice(s.lastIndexOf(':') + 1));
}

function matchRule(path: string[]): Rule | undefined {
  return RULES.find(
    (r) =>
      r.path.length === path.length &&
      r.path.every((seg, i) => seg === '*' || seg.toLowerCase() === path[i]!.toLowerCase()),
  );
}

/** A SimpleItem as the `onvif` lib yields it: `{ $: { Name, Value } }`, values auto-typed (true, 1, "true"). */
export interface SimpleItem {
  name: string;
  value: unknown;
}

/**
 * The simple items of a `Data` (or `Source`) element in any of the shapes the `onvif` lib yields:
 * `{ simpleItem: {$:{Name,Value}} }`, `{ simpleItem: [...] }`, the simpleItem object or array itself, or undefined.
 */
export function simpleItems(element: unknown): SimpleItem[] {
  if (element === undefined || element === null) return [];
  const inner = isObject(element) && 'simpleItem' in element ? element.simpleItem : element;
  const list = Array.isArray(inner) ? inner : [inner];
  const out: SimpleItem[] = [];
  for (const item of list) {
    const attrs = isObject(item) && isObject(item.$) ? item.$ : item;
    if (isObject(attrs) && typeof attrs.Name === 'string') out.push({ name: attrs.Name, value: attrs.Value });
  }
  return out;
}

/** true/false from a bool, 1/0, or the strings "true"/"false"/"1"/"0"/"on"/"off"/"active"/"inactive"; null otherwise. */
export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  if (typeof value !== 'string') return null;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'on', 'active'].includes(v)) return true;
  if (['false', '0', 'off', 'inactive'].includes(v)) return false;
  return null;
}

/**
 * Normalise one ONVIF notification: `topic` as sent (any namespace prefixes), `data` the message's Data element
 * in any shape `simpleItems` accepts. Returns null for topics outside the vocabulary or a state that cannot be read.
 * Pulse topics (line crossing) are active whatever their data says.
 */
export function normaliseEvent(topic: string, data: unknown): NormalisedEvent | null {
  const rule = matchRule(topicPath(topic));
  if (!rule) return null;
  if (rule.pulse) return { label: rule.label, active: true, pulse: true };
  const items = simpleItems(data);
  const byName = STATE_ITEMS.map((n) => items.find((i) => i.name.toLowerCase() === n)).find((i) => i);
  const item = byName ?? (items.length === 1 ? items[0] : undefined);
  const active = item ? toBool(item.value) : null;
  return active === null ? null : { label: rule.label, active };
}

/** The parts of one notification message (as the `onvif` lib parses PullMessages) that the tracker needs. */
export interface ParsedNotification {
  topic: string;
  /** Device time of the message (UtcTime), undefined when absent or unreadable. */
  utcTime?: Date;
  /** `Initialized` (current state at subscribe time), `Changed`, `Deleted`, or undefined. */
  propertyOperation?: string;
  data: unknown;
}

/**
 * Extract topic, UtcTime, PropertyOperation and Data from one `notificationMessage` of the `onvif` lib
 * (`{ topic: { _: 'tns1:...' }, message: { message: { $: { UtcTime, PropertyOperation }, data } } }`).
 * Null when the message has no topic.
 */
export function parseNotification(msg: unknown): ParsedNotification | null {
  if (!isObject(msg)) return null;
  const topic = isObject(msg.topic) ? msg.topic._ : msg.topic;
  if (typeof topic !== 'string' || topic.trim() === '') return null;
  const outer = isObject(msg.message) ? msg.message : {};
  const inner = isObject(outer.message) ? outer.message : outer;
  const attrs = isObject(inner.$) ? inner.$ : {};
  const out: ParsedNotification = { topic: topic.trim(), data: inner.data };
  const utc = attrs.UtcTime instanceof Date ? attrs.UtcTime : typeof attrs.UtcTime === 'string' ? utcDate(attrs.UtcTime) : undefined;
  if (utc && !Number.isNaN(utc.getTime())) out.utcTime = utc;
  if (typeof attrs.PropertyOperation === 'string') out.propertyOperation = attrs.PropertyOperation;
  return out;
}

/**
 * The filter for `cameras.<name>.onvif.topics` (normalised names). Undefined means DEFAULT_TOPICS.
 * Throws an Error naming the unknown names; callers turn it into a UserError with the config key.
 */
export function topicFilter(topics: readonly string[] | undefined): (label: EventLabel) => boolean {
  const wanted = topics ?? DEFAULT_TOPICS;
  const unknown = wanted.filter((t) => !(EVENT_LABELS as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new Error(`unknown topic ${unknown.map((t) => JSON.stringify(t)).join(', ')} (known: ${EVENT_LABELS.join(', ')})`);
  }
  const set = new Set<string>(wanted);
  return (label) => set.has(label);
}

/** UtcTime is UTC by definition: a value without a zone designator is read as UTC, not local time. */
function utcDate(text: string): Date {
  const t = text.trim();
  return new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(t) ? t : `${t}Z`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
