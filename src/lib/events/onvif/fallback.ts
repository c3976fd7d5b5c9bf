import type { EventLabel } from './labels.js';

/**
 * The generic fallback for topics no vendor row knows: a topic or item name that says what it is. Pure.
 * Non-event words win over label words, so `PTZController/Move`, an I/O port, a relay, day/night, a counter or an
 * audio level never becomes an event, whatever else its name says.
 */
const NON_EVENT_WORDS = new Set([
  'ptz', 'ptzcontroller', 'preset', 'presets', 'move', 'moving', 'relay', 'input', 'inputs', 'output', 'outputs', 'port',
  'io', 'alarmin', 'alarmout', 'digital', 'daynight', 'day', 'night', 'ircut', 'ir', 'light', 'lights', 'illuminator',
  'counter', 'count', 'counting', 'aggregation', 'audio', 'sound', 'level', 'volume', 'storage', 'sd', 'disk', 'recording',
  'record', 'job', 'processor', 'cpu', 'usage', 'monitoring', 'network', 'temperature', 'heater', 'fan', 'configuration',
  'config', 'image', 'blurry', 'dark', 'bright', 'focus', 'failure', 'hardware', 'reboot', 'access', 'door', 'siren',
  'wiper', 'heartbeat', 'occupancy', 'threshold', 'videoloss',
]);

/** In order: the first label whose word appears wins. */
const LABEL_WORDS: Array<[EventLabel, string[]]> = [
  ['person', ['people', 'person', 'persons', 'human', 'humans', 'pedestrian']],
  ['vehicle', ['vehicle', 'vehicles', 'car', 'cars']],
  ['animal', ['pet', 'pets', 'animal', 'animals', 'dog', 'cat', 'dogcat']],
  ['face', ['face', 'faces']],
  ['line-crossing', ['line', 'cross', 'crossed', 'crossing', 'linecross', 'tripwire']],
  ['intrusion', ['intrusion', 'field', 'region', 'entrance', 'entering', 'perimeter']],
  ['tamper', ['tamper', 'tampering']],
  ['motion', ['motion', 'movement']],
];

/** `HumanShapeDetect` → human, shape, detect; `vmd3_video_1` → vmd3, video, 1; `IsLineCross` → is, line, cross. */
export function words(name: string): string[] {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return spaced.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
}

function labelOf(name: string): EventLabel | undefined {
  const ws = new Set([...words(name), name.toLowerCase()]);
  return LABEL_WORDS.find(([, list]) => list.some((w) => ws.has(w)))?.[0];
}

function nonEvent(name: string): boolean {
  return [...words(name), name.toLowerCase()].some((w) => NON_EVENT_WORDS.has(w));
}

export type FallbackResult =
  | { kind: 'non-event' }
  | { kind: 'unmapped' }
  | { kind: 'label'; label: EventLabel; item?: string };

/**
 * Map a topic nobody described. `path` is the topic without prefixes; `stateItems` the Data item names whose value
 * reads as a boolean (or a class list). Item names are more specific than topics (Tapo's `TpSmartEvent` topic with
 * `IsVehicle`), then topic segments from the last one up. A label word found in an item picks that item as the state.
 */
export function fallbackLabel(path: readonly string[], stateItems: readonly string[]): FallbackResult {
  if (path.some(nonEvent) || stateItems.some(nonEvent)) return { kind: 'non-event' };
  for (const item of stateItems) {
    const label = labelOf(item);
    if (label) return { kind: 'label', label, item };
  }
  for (const segment of [...path].reverse()) {
    const label = labelOf(segment);
    if (label) return { kind: 'label', label };
  }
  return { kind: 'unmapped' };
}
