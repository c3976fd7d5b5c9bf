/**
 * One ONVIF notification as the `onvif` lib parses it (PullMessages → linerase), reduced to plain parts: pure, no I/O.
 *
 * Shapes met on real cameras (GUIDE field notes): `msg.topic._` keeps the vendor prefixes (`tns1:`, `tnsaxis:`);
 * `simpleItem` is an object for one item and an array for several; values are auto-typed by the lib
 * (`"true"`→true, `"1"`→1); a Data element may hold only `elementItem`s (Ajax line crossing) or be absent (Bosch).
 */

/** A SimpleItem of a Source or Data element: `{ $: { Name, Value } }` in the lib's shape. */
export interface SimpleItem {
  name: string;
  value: unknown;
}

/** The parts of one notification message that normalisation and the tracker need. */
export interface ParsedNotification {
  topic: string;
  /** Device time of the message (UtcTime), undefined when absent or unreadable. */
  utcTime?: Date;
  /** `Initialized` (current state at subscribe time), `Changed`, `Deleted`, or undefined. */
  propertyOperation?: string;
  /** SimpleItems of the Data element, in order. */
  data: SimpleItem[];
  /** SimpleItems of the Source element (video source, rule name). */
  source: SimpleItem[];
}

/** `tns1:VideoAnalytics/tnsaxis:MotionDetection` → `['VideoAnalytics', 'MotionDetection']`, any prefix names. */
export function topicPath(topic: string): string[] {
  return topic
    .trim()
    .split('/')
    .filter((s) => s.length > 0 && s !== '.')
    .map((s) => s.slice(s.lastIndexOf(':') + 1));
}

/**
 * The simple items of a `Data` (or `Source`) element in any of the shapes the `onvif` lib yields:
 * `{ simpleItem: {$:{Name,Value}} }`, `{ simpleItem: [...] }`, the simpleItem object or array itself, or undefined.
 * An item without a Value attribute has value `''` (xml2js drops nothing, the attribute is simply absent).
 */
export function simpleItems(element: unknown): SimpleItem[] {
  if (element === undefined || element === null) return [];
  const inner = isObject(element) && 'simpleItem' in element ? element.simpleItem : isObject(element) && !('$' in element) ? undefined : element;
  const list = Array.isArray(inner) ? inner : inner === undefined ? [] : [inner];
  const out: SimpleItem[] = [];
  for (const item of list) {
    const attrs = isObject(item) && isObject(item.$) ? item.$ : item;
    if (isObject(attrs) && typeof attrs.Name === 'string') out.push({ name: attrs.Name, value: attrs.Value ?? '' });
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
 * Extract topic, UtcTime, PropertyOperation, Data and Source from one `notificationMessage` of the `onvif` lib
 * (`{ topic: { _: 'tns1:...' }, message: { message: { $: { UtcTime, PropertyOperation }, data, source } } }`).
 * Null when the message has no topic.
 */
export function parseNotification(msg: unknown): ParsedNotification | null {
  if (!isObject(msg)) return null;
  const topic = isObject(msg.topic) ? msg.topic._ : msg.topic;
  if (typeof topic !== 'string' || topic.trim() === '') return null;
  const outer = isObject(msg.message) ? msg.message : {};
  const inner = isObject(outer.message) ? outer.message : outer;
  const attrs = isObject(inner.$) ? inner.$ : {};
  const out: ParsedNotification = { topic: topic.trim(), data: simpleItems(inner.data), source: simpleItems(inner.source) };
  const utc = attrs.UtcTime instanceof Date ? attrs.UtcTime : typeof attrs.UtcTime === 'string' ? utcDate(attrs.UtcTime) : undefined;
  if (utc && !Number.isNaN(utc.getTime())) out.utcTime = utc;
  if (typeof attrs.PropertyOperation === 'string') out.propertyOperation = attrs.PropertyOperation;
  return out;
}

/** UtcTime is UTC by definition: a value without a zone designator is read as UTC, not local time. */
function utcDate(text: string): Date {
  const t = text.trim();
  return new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(t) ? t : `${t}Z`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
