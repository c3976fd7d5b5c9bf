import { describe, expect, it } from 'vitest';
import { allAlertLabelsFound, MIN_GAP_SECONDS, planFrames } from '../../src/lib/detect/sampling.js';

describe('frame planner', () => {
  it.each([
    // duration, event start, max frames → plan (in examination order)
    [20, 5, 5, [6, 18.32, 12.4, 9.44, 15.36]],
    [20, 5, 1, [6]],
    [20, 0, 3, [1, 16.5, 9.9]],
    [80, 0, 5, [1, 71.82, 39.9, 23.94, 55.86]],
    [15, 5, 2, [6, 12.35]],
    // event start at the very end: the start frame is clamped into the clip, the spread covers it all
    [10, 10, 3, [9.8, 1.633, 4.9]],
    // a clip too short for the gap rule gets fewer frames
    [1.2, 0, 5, [1, 0.25]],
    [0.6, 0, 5, [0.4]],
    [0, 0, 5, []],
    [10, 0, 0, []],
  ])('duration %s, event at %s, max %s → %j', (durationSeconds, eventStartOffsetSeconds, maxFrames, plan) => {
    expect(planFrames({ durationSeconds, eventStartOffsetSeconds, maxFrames })).toEqual(plan);
  });

  it.each([
    [30, 5, 5],
    [3, 1, 10],
    [300, 5, 50],
    [2, 0, 5],
    [45.5, 12.3, 7],
  ])('keeps its invariants (duration %s, start %s, max %s)', (durationSeconds, eventStartOffsetSeconds, maxFrames) => {
    const plan = planFrames({ durationSeconds, eventStartOffsetSeconds, maxFrames });
    expect(plan.length).toBeGreaterThanOrEqual(1);
    expect(plan.length).toBeLessThanOrEqual(maxFrames);
    expect(plan[0]).toBeCloseTo(Math.min(eventStartOffsetSeconds + 1, durationSeconds - 0.2), 3);
    for (const t of plan) expect(t).toBeGreaterThanOrEqual(0);
    for (const t of plan) expect(t).toBeLessThanOrEqual(durationSeconds - 0.2);
    const sorted = [...plan].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(MIN_GAP_SECONDS - 1e-9);
  });
});

describe('early stop', () => {
  it.each([
    [['person'], [], false],
    [['person'], ['car'], false],
    [['person'], ['car', 'person'], true],
    [['person', 'dog'], ['person'], false],
    [['person', 'dog'], ['dog', 'person'], true],
    [['vehicle'], ['truck'], true],
    [['animal'], ['person'], false],
    [[], ['person'], false],
  ] as const)('alerts.on %j, found %j → stop %s', (alertOn, found, stop) => {
    expect(allAlertLabelsFound(alertOn, found)).toBe(stop);
  });
});
