/**
 * The one label vocabulary of every detector, and the maps from each backend's own names into it.
 * Specific labels have a parent category (car → vehicle, dog → animal); a wanted label "covers" a
 * detected one when they are equal or the wanted one is its parent, so `alerts.on: [vehicle]` fires
 * on a car and `detect.labels: [animal]` keeps a dog.
 */
export const VOCABULARY = [
  'person',
  'vehicle',
  'car',
  'truck',
  'bus',
  'bicycle',
  'motorcycle',
  'animal',
  'dog',
  'cat',
  'bird',
  'package',
] as const;

export type Label = (typeof VOCABULARY)[number];

const PARENT: Partial<Record<Label, Label>> = {
  car: 'vehicle',
  truck: 'vehicle',
  bus: 'vehicle',
  bicycle: 'vehicle',
  motorcycle: 'vehicle',
  dog: 'animal',
  cat: 'animal',
  bird: 'animal',
};

export function isLabel(name: string): name is Label {
  return (VOCABULARY as readonly string[]).includes(name);
}

/** True when a detection named `detected` satisfies a request for `wanted` (equal, or wanted is its parent). */
export function covers(wanted: string, detected: string): boolean {
  return wanted === detected || (isLabel(detected) && PARENT[detected] === wanted);
}

/** True when some label in `wanted` covers `detected`. */
export function coveredByAny(wanted: readonly string[], detected: string): boolean {
  return wanted.some((w) => covers(w, detected));
}

/** COCO class names (the local CenterNet model) → vocabulary. Unlisted classes are ignored. */
export const COCO_LABELS: Readonly<Record<string, Label>> = {
  person: 'person',
  bicycle: 'bicycle',
  car: 'car',
  motorcycle: 'motorcycle',
  bus: 'bus',
  truck: 'truck',
  train: 'vehicle',
  boat: 'vehicle',
  airplane: 'vehicle',
  bird: 'bird',
  cat: 'cat',
  dog: 'dog',
  horse: 'animal',
  sheep: 'animal',
  cow: 'animal',
  elephant: 'animal',
  bear: 'animal',
  zebra: 'animal',
  giraffe: 'animal',
};

/** Rekognition label names (as in its label list) → vocabulary. Matched on the label and its Parents. */
export const REKOGNITION_LABELS: Readonly<Record<string, Label>> = {
  Person: 'person',
  Human: 'person',
  Pedestrian: 'person',
  Man: 'person',
  Woman: 'person',
  Child: 'person',
  Boy: 'person',
  Girl: 'person',
  Adult: 'person',
  Vehicle: 'vehicle',
  Car: 'car',
  Sedan: 'car',
  Suv: 'car',
  Van: 'car',
  'Sports Car': 'car',
  Truck: 'truck',
  'Pickup Truck': 'truck',
  Bus: 'bus',
  Bicycle: 'bicycle',
  Motorcycle: 'motorcycle',
  Animal: 'animal',
  Mammal: 'animal',
  Pet: 'animal',
  Dog: 'dog',
  Puppy: 'dog',
  Cat: 'cat',
  Kitten: 'cat',
  Bird: 'bird',
  Package: 'package',
  Cardboard: 'package',
  Carton: 'package',
  Box: 'package',
};

/** Map a COCO class name to the vocabulary, or undefined when it is not one we track. */
export function fromCoco(name: string): Label | undefined {
  return COCO_LABELS[name];
}

/**
 * Map a Rekognition label (its Name and the Names of its Parents) to the vocabulary: the most specific
 * match wins, so a "Sedan" with parents [Car, Vehicle, Transportation] is a car, not a vehicle.
 */
export function fromRekognition(name: string, parents: readonly string[] = []): Label | undefined {
  const candidates = [name, ...parents]
    .map((n) => REKOGNITION_LABELS[n])
    .filter((l): l is Label => l !== undefined);
  return candidates.find((l) => !candidates.some((other) => other !== l && covers(l, other)));
}

/**
 * The Rekognition label names worth asking for when the user wants `labels` (for
 * Settings.GeneralLabels.LabelInclusionFilters): every Rekognition name that maps to a covered label.
 */
export function rekognitionNamesFor(labels: readonly string[]): string[] {
  return Object.entries(REKOGNITION_LABELS)
    .filter(([, label]) => coveredByAny(labels, label))
    .map(([name]) => name);
}
