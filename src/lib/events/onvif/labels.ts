/** The normalised names users write in `cameras.<name>.onvif.topics` / `topicMap` and that appear in `event.labels`. */
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

export function isEventLabel(name: string): name is EventLabel {
  return (EVENT_LABELS as readonly string[]).includes(name);
}

/**
 * The filter for `cameras.<name>.onvif.topics` (normalised names). Undefined means DEFAULT_TOPICS.
 * Throws an Error naming the unknown names; callers turn it into a UserError with the config key.
 */
export function topicFilter(topics: readonly string[] | undefined): (label: EventLabel) => boolean {
  const wanted = topics ?? DEFAULT_TOPICS;
  const unknown = wanted.filter((t) => !isEventLabel(t));
  if (unknown.length > 0) {
    throw new Error(`unknown topic ${unknown.map((t) => JSON.stringify(t)).join(', ')} (known: ${EVENT_LABELS.join(', ')})`);
  }
  const set = new Set<string>(wanted);
  return (label) => set.has(label);
}

/** Object classes as cameras name them (Ajax `Human`, Axis `human`, Hanwha `Person` …) → labels. */
const CLASS_WORDS: Array<[EventLabel, string[]]> = [
  ['person', ['person', 'persons', 'people', 'human', 'humans', 'pedestrian', 'humanshape']],
  ['vehicle', ['vehicle', 'vehicles', 'car', 'cars', 'truck', 'bus', 'bike', 'bicycle', 'motorcycle', 'motorbike']],
  ['animal', ['animal', 'animals', 'pet', 'pets', 'dog', 'dogs', 'cat', 'cats', 'dogcat']],
  ['face', ['face', 'faces']],
];
/** The labels a class list can carry: a list that lacks one clears it. */
export const CLASS_LABELS: readonly EventLabel[] = CLASS_WORDS.map(([label]) => label);

/** `"Human Vehicle"`, `"human,car"` → ['person', 'vehicle']; unknown words (numeric ObjectType codes) are dropped. */
export function classLabels(value: unknown): EventLabel[] {
  if (typeof value !== 'string') return [];
  const out = new Set<EventLabel>();
  for (const word of value.toLowerCase().split(/[\s,;|]+/)) {
    const hit = CLASS_WORDS.find(([, words]) => words.includes(word));
    if (hit) out.add(hit[0]);
  }
  return [...out];
}
