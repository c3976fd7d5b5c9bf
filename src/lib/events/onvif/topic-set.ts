import { createRequire } from 'node:module';
import { isObject } from './message.js';
import { normalise, type Via } from './normalise.js';
import type { TopicRule } from './vendors.js';
import type { EventLabel } from './labels.js';

// xml2js is the `onvif` lib's own parser (same version, pinned in package.json). Parsed here without the lib's
// prefix stripping: a topic's namespace prefixes (`tns1:`, `tnsaxis:`) are part of what users copy into topicMap.
const require = createRequire(import.meta.url);
const xml2js = require('xml2js') as { parseStringPromise(xml: string, opts: object): Promise<unknown> };

/** One advertised topic: its full name and the Data items its MessageDescription declares. */
export interface AdvertisedTopic {
  topic: string;
  items: Array<{ name: string; type: string }>;
}

export interface TopicListing extends AdvertisedTopic {
  /** Labels a message of this topic would give; empty when none. */
  labels: EventLabel[];
  via?: Via;
  /** `non-event`, `unmapped`, or undefined when mapped. */
  note?: 'non-event' | 'unmapped';
  vendor?: string;
}

const localName = (key: string) => key.slice(key.indexOf(':') + 1);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function findTopicSet(node: unknown): Record<string, unknown> | undefined {
  if (!isObject(node)) return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$') continue;
    if (localName(key) === 'TopicSet') return isObject(value) ? value : {};
    for (const child of asList(value)) {
      const found = findTopicSet(child);
      if (found) return found;
    }
  }
  return undefined;
}

function dataItems(node: Record<string, unknown>): AdvertisedTopic['items'] {
  const desc = Object.entries(node).find(([k]) => localName(k) === 'MessageDescription')?.[1];
  const data = isObject(desc) ? Object.entries(desc).find(([k]) => localName(k) === 'Data')?.[1] : undefined;
  if (!isObject(data)) return [];
  const items = Object.entries(data).filter(([k]) => localName(k) === 'SimpleItemDescription').flatMap(([, v]) => asList(v));
  return items.flatMap((i) => (isObject(i) && isObject(i.$) && typeof i.$.Name === 'string' ? [{ name: i.$.Name, type: String(i.$.Type ?? '') }] : []));
}

function walk(node: unknown, path: string[], out: AdvertisedTopic[]): void {
  if (!isObject(node)) return;
  const attrs = isObject(node.$) ? node.$ : {};
  if (path.length > 0 && Object.entries(attrs).some(([k, v]) => localName(k) === 'topic' && String(v) === 'true')) {
    out.push({ topic: path.join('/'), items: dataItems(node) });
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === '$' || key === '_' || localName(key) === 'MessageDescription') continue;
    for (const child of asList(value)) walk(child, [...path, key], out);
  }
}

/** The topics of a GetEventProperties answer (raw XML), in document order. Empty when it has no TopicSet. */
export async function parseTopicSet(xml: string): Promise<AdvertisedTopic[]> {
  const doc = await xml2js.parseStringPromise(xml, { explicitArray: false });
  const out: AdvertisedTopic[] = [];
  walk(findTopicSet(doc) ?? {}, [], out);
  return out;
}

/** What each advertised topic maps to, trying a message whose boolean items are true. Pure. */
export function describeTopics(topics: readonly AdvertisedTopic[], rules: readonly TopicRule[]): TopicListing[] {
  return topics.map((t) => {
    const data = t.items.map((i) => ({ name: i.name, value: /boolean/i.test(i.type) ? true : 'Human' }));
    const norm = normalise({ topic: t.topic, data, source: [], propertyOperation: 'Changed' }, rules);
    const labels = [...new Set(norm.changes.filter((c) => c.active).map((c) => c.label))];
    const note = norm.note === 'non-event' || norm.note === 'unmapped' ? norm.note : undefined;
    return { ...t, labels, ...(norm.via ? { via: norm.via } : {}), ...(note ? { note } : {}), ...(norm.rule ? { vendor: norm.rule.vendor } : {}) };
  });
}
