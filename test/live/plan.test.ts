import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIRM } from '../../src/lib/detect/confirm.js';
import { admit, liveConfirmed, sampleIntervalMs, stopReason, trustedCameraLabels } from '../../src/lib/live/plan.js';

const rule = { ...DEFAULT_CONFIRM, minConfidence: 0.6 };
const p = (confidence: number) => [{ name: 'person', confidence }];
const none: { name: string; confidence: number }[] = [];

describe('live analysis decisions', () => {
  it.each([
    [0, 250], [2_999, 250], [3_000, 500], [9_999, 500], [10_000, 1000], [29_999, 1000], [30_000, 2000], [600_000, 2000],
  ])('samples %i ms into the session every %i ms', (elapsed, every) => {
    expect(sampleIntervalMs(elapsed, 500)).toBe(every);
  });

  it.each([
    ['off', 0, 0, 'none'],
    ['the only session', 0, 1, 'full'],
    ['saturated', 1, 1, 'none'],
    ['first of four', 0, 4, 'full'],
    ['second of four', 1, 4, 'full'],
    ['third of four: under load', 2, 4, 'keyframes'],
    ['fourth of four', 3, 4, 'keyframes'],
    ['beyond the limit', 4, 4, 'none'],
  ] as const)('admission: %s', (_n, active, max, expected) => {
    expect(admit(active, max)).toBe(expected);
  });

  it.each([
    ['goes on', {}, null],
    ['decided wins', { decided: true, ended: true, stopped: true }, 'decided'],
    ['the event ended (its end also aborts the wait)', { ended: true, stopped: true }, 'ended'],
    ['analyze stops', { stopped: true }, 'stopped'],
    ['time limit', { elapsedMs: 60_000 }, 'time-limit'],
  ] as const)('stop: %s', (_n, s, expected) => {
    expect(stopReason({ decided: false, ended: false, stopped: false, elapsedMs: 1000, maxMs: 60_000, ...s })).toBe(expected);
  });

  it.each([
    ['nothing sampled yet, the camera says person', [], ['person'], []],
    ['one weak sighting', [p(0.7)], [], []],
    ['one weak sighting and the camera says person', [p(0.7)], ['person'], ['person']],
    ['the camera counts once only: one weak sighting long ago', [p(0.7), none, none], ['person'], []],
    ['the camera and a sighting among the last two', [p(0.7), none, p(0.65), none], ['person'], ['person']],
    ['two of three without the camera', [p(0.7), none, p(0.62)], [], ['person']],
    ['once with high confidence', [none, p(0.9)], [], ['person']],
    ['a motion label is no sighting', [p(0.7)], ['motion'], []],
    ['below minConfidence never counts', [p(0.5), p(0.5), p(0.5)], ['person'], []],
  ] as const)('confirmation: %s', (_n, samples, camera, expected) => {
    expect(liveConfirmed(samples, camera, ['person'], rule)).toEqual(expected);
  });

  it('trusts only the camera labels alerts.on covers', () => {
    expect(trustedCameraLabels(['motion', 'person', 'car'], ['person', 'vehicle'])).toEqual(['person', 'car']);
    expect(trustedCameraLabels(['motion'], ['person'])).toEqual([]);
  });
});
