import { describe, expect, it } from 'vitest';
import { covers, fromCoco, fromRekognition, rekognitionNamesFor, VOCABULARY } from '../../src/lib/detect/labels.js';

describe('label vocabulary', () => {
  it.each([
    ['person', 'person', true],
    ['vehicle', 'car', true],
    ['vehicle', 'motorcycle', true],
    ['animal', 'dog', true],
    ['animal', 'bird', true],
    ['car', 'vehicle', false],
    ['dog', 'cat', false],
    ['person', 'package', false],
    ['vehicle', 'dog', false],
  ])('covers(%s, %s) = %s', (wanted, detected, expected) => {
    expect(covers(wanted, detected)).toBe(expected);
  });

  it.each([
    ['person', 'person'],
    ['car', 'car'],
    ['truck', 'truck'],
    ['bus', 'bus'],
    ['motorcycle', 'motorcycle'],
    ['bicycle', 'bicycle'],
    ['train', 'vehicle'],
    ['dog', 'dog'],
    ['horse', 'animal'],
    ['skis', undefined],
    ['fire hydrant', undefined],
  ])('COCO %s → %s', (coco, label) => {
    expect(fromCoco(coco)).toBe(label);
  });

  it.each([
    ['Person', [], 'person'],
    ['Man', ['Person', 'Adult'], 'person'],
    ['Sedan', ['Car', 'Vehicle', 'Transportation'], 'car'],
    ['Pickup Truck', ['Truck', 'Vehicle', 'Transportation'], 'truck'],
    ['Vehicle', ['Transportation'], 'vehicle'],
    ['Puppy', ['Dog', 'Animal', 'Pet', 'Mammal'], 'dog'],
    ['Mammal', ['Animal'], 'animal'],
    ['Cardboard', [], 'package'],
    ['Tree', ['Plant'], undefined],
    ['Wheel', ['Machine'], undefined],
  ] as const)('Rekognition %s (parents %j) → %s', (name, parents, label) => {
    expect(fromRekognition(name, parents)).toBe(label);
  });

  it('every Rekognition name asked for maps back into the wanted labels', () => {
    expect(rekognitionNamesFor(['person'])).toEqual(['Person', 'Human', 'Pedestrian', 'Man', 'Woman', 'Child', 'Boy', 'Girl', 'Adult']);
    expect(rekognitionNamesFor(['vehicle'])).toEqual(expect.arrayContaining(['Vehicle', 'Car', 'Truck', 'Bus', 'Bicycle', 'Motorcycle']));
    expect(rekognitionNamesFor(['car'])).not.toContain('Vehicle');
    for (const label of VOCABULARY) {
      const names = rekognitionNamesFor([label]);
      expect(names.length, label).toBeGreaterThan(0);
      for (const n of names) expect(covers(label, fromRekognition(n)!), `${label} ← ${n}`).toBe(true);
    }
  });
});
