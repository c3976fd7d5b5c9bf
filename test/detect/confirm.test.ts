import { describe, expect, it } from 'vitest';
import { confirmedLabels, DEFAULT_CONFIRM } from '../../src/lib/detect/confirm.js';
import type { Detection } from '../../src/lib/detect/types.js';

const rule = { ...DEFAULT_CONFIRM, minConfidence: 0.6 };
const person = (confidence: number): Detection => ({ name: 'person', confidence });
const car = (confidence: number): Detection => ({ name: 'car', confidence });

describe('confirmedLabels (2 of the last 3 samples, or once at 0.85)', () => {
  it.each([
    ['nothing seen', [[], [], []], ['person'], []],
    ['once at 0.7: not yet', [[person(0.7)]], ['person'], []],
    ['twice at 0.7 in a row', [[person(0.7)], [person(0.65)]], ['person'], ['person']],
    ['twice in the last three, a gap between', [[person(0.7)], [], [person(0.62)]], ['person'], ['person']],
    ['twice, but the first is four samples ago', [[person(0.7)], [], [], [person(0.7)]], ['person'], []],
    ['below minConfidence never counts', [[person(0.59)], [person(0.59)], [person(0.59)]], ['person'], []],
    ['once at 0.9 in the latest sample', [[], [], [person(0.9)]], ['person'], ['person']],
    ['once at 0.9, but it was an earlier sample (no second sighting)', [[person(0.9)], [], []], ['person'], []],
    ['the best detection of a frame counts', [[person(0.3), person(0.7)], [person(0.61)]], ['person'], ['person']],
    ['a category covers its members', [[car(0.7)], [car(0.8)]], ['vehicle', 'person'], ['vehicle']],
    ['only the wanted labels', [[car(0.9)]], ['person'], []],
    ['no samples', [], ['person'], []],
  ] as [string, Detection[][], string[], string[]][])('%s', (_name, samples, wanted, want) => {
    expect(confirmedLabels(samples, wanted, rule)).toEqual(want);
  });

  it('takes its window and thresholds from the rule', () => {
    expect(confirmedLabels([[person(0.7)], [], [], [person(0.7)]], ['person'], { ...rule, of: 4 })).toEqual(['person']);
    expect(confirmedLabels([[person(0.8)]], ['person'], { ...rule, highConfidence: 0.75 })).toEqual(['person']);
    expect(confirmedLabels([[person(0.7)], [person(0.7)]], ['person'], { ...rule, needed: 3 })).toEqual([]);
  });
});
