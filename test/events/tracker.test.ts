import { describe, expect, it } from 'vitest';
import { eventRecordSchema } from '../../src/lib/pipeline/records.js';
import { EventTracker, eventId } from '../../src/lib/events/tracker.js';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const t = (s: number) => new Date(T0 + s * 1000);
const MOTION = 'tns1:RuleEngine/CellMotionDetector/Motion';
const PEOPLE = 'tns1:RuleEngine/MyRuleDetector/PeopleDetect';

/** A step: an observation `[second, label, active, initialized?]` or a tick `[second]`. */
type Step = [number, string, boolean, boolean?] | [number];
/** What came out, compactly: `state@second labels` and, on end, `end=second` plus reason. */
function run(steps: Step[]): string[] {
  const tr = new EventTracker({ camera: 'front', maxEventMs: 60_000, mergeGapMs: 5_000 });
  const out: string[] = [];
  const ids = new Set<string>();
  for (const s of steps) {
    const recs =
      s.length === 1
        ? tr.tick(t(s[0]))
        : tr.observe({ camera: 'front', label: s[1], active: s[2], at: t(s[0]), initialized: s[3] ?? false, topic: s[1] === 'person' ? PEOPLE : MOTION });
    for (const r of recs) {
      expect(eventRecordSchema.parse(r)).toBeTruthy();
      ids.add(r.id);
      const sec = (d: string) => (Date.parse(d) - T0) / 1000;
      let line = `${r.state}@${sec(r.at)} ${r.labels.join('+')}`;
      if (r.end) line += ` end=${sec(r.end)}`;
      if (r.reason) line += ` ${String(r.reason)}`;
      if (r.initial) line += ' initial';
      out.push(line);
    }
  }
  out.push(`ids=${ids.size}`);
  return out;
}

describe('EventTracker', () => {
  const cases: Array<[string, Step[], string[]]> = [
    ['plain start/end after the merge gap', [[0, 'motion', true], [3, 'motion', false], [7], [8]], ['start@0 motion', 'end@3 motion end=3', 'ids=1']],
    ['repeated true and false make no new events', [[0, 'motion', true], [1, 'motion', true], [2, 'motion', false], [3, 'motion', false], [10]], ['start@0 motion', 'end@2 motion end=2', 'ids=1']],
    ['false with nothing open is ignored', [[0, 'motion', false], [1, 'motion', false], [20]], ['ids=0']],
    ['a restart within the gap continues the same event', [[0, 'motion', true], [2, 'motion', false], [4, 'motion', true], [6, 'motion', false], [20]], ['start@0 motion', 'end@6 motion end=6', 'ids=1']],
    ['a restart after the gap is a new event', [[0, 'motion', true], [2, 'motion', false], [8, 'motion', true], [9, 'motion', false], [20]], ['start@0 motion', 'end@2 motion end=2', 'start@8 motion', 'end@9 motion end=9', 'ids=2']],
    ['person during motion is an update with both labels', [[0, 'motion', true], [1, 'person', true], [2, 'person', false], [3, 'motion', false], [9]], ['start@0 motion', 'update@1 motion+person', 'end@3 motion+person end=3', 'ids=1']],
    ['the event stays open while any label is active', [[0, 'motion', true], [1, 'person', true], [2, 'motion', false], [10], [11, 'person', false], [20]], ['start@0 motion', 'update@1 motion+person', 'end@11 motion+person end=11', 'ids=1']],
    ['initialized true starts an event flagged initial', [[0, 'motion', true, true], [1, 'motion', false], [10]], ['start@0 motion initial', 'end@1 motion end=1', 'ids=1']],
    ['initialized false is state only', [[0, 'motion', false, true], [10]], ['ids=0']],
    ['initialized true while already active changes nothing', [[0, 'motion', true], [5, 'motion', true, true], [6, 'motion', false], [20]], ['start@0 motion', 'end@6 motion end=6', 'ids=1']],
    ['initialized false after a reconnect ends the event', [[0, 'motion', true], [30, 'motion', false, true], [40]], ['start@0 motion', 'end@30 motion end=30', 'ids=1']],
    ['an alarm that never stops is closed at maxEventSeconds', [[0, 'motion', true], [59], [60], [61, 'motion', true], [62, 'motion', false], [70]], ['start@0 motion', 'end@60 motion end=60 max-duration', 'start@61 motion', 'end@62 motion end=62', 'ids=2']],
    ['an observation after the deadline closes first', [[0, 'motion', true], [1, 'motion', false], [30, 'motion', true]], ['start@0 motion', 'end@1 motion end=1', 'start@30 motion', 'ids=2']],
  ];
  it.each(cases)('%s', (_name, steps, expected) => {
    expect(run(steps)).toEqual(expected);
  });

  it('a pulse is a short event; an Initialized pulse (Uniview at subscribe time) is nothing', () => {
    const tr = new EventTracker({ camera: 'c', maxEventMs: 60_000, mergeGapMs: 5_000 });
    const LINE = 'tns1:RuleEngine/LineDetector/Crossed';
    const pulse = (s: number, initialized = false) => tr.observe({ camera: 'c', label: 'line-crossing', active: true, pulse: true, at: t(s), initialized, topic: LINE });
    expect(pulse(0, true)).toEqual([]);
    expect(tr.nextDeadline()).toBeNull();
    expect(pulse(1).map((r) => r.state)).toEqual(['start']);
    expect(tr.nextDeadline()).toEqual(t(6));
    const [end] = tr.tick(t(6));
    expect(end).toMatchObject({ state: 'end', end: t(1).toISOString(), labels: ['line-crossing'] });
  });

  it('a pulse during motion is an update, and the event goes on while motion lasts', () => {
    const tr = new EventTracker({ camera: 'c', maxEventMs: 60_000, mergeGapMs: 5_000 });
    tr.observe({ camera: 'c', label: 'motion', active: true, at: t(0), initialized: false, topic: MOTION });
    const up = tr.observe({ camera: 'c', label: 'line-crossing', active: true, pulse: true, at: t(1), initialized: false, topic: 'L' });
    expect(up.map((r) => `${r.state} ${r.labels.join('+')}`)).toEqual(['update motion+line-crossing']);
    expect(tr.tick(t(20))).toEqual([]);
  });

  it('a label stays active while any topic reports it (Axis VMD4 profile 1 and ANY)', () => {
    const tr = new EventTracker({ camera: 'c', maxEventMs: 60_000, mergeGapMs: 5_000 });
    const obs = (s: number, topic: string, active: boolean) => tr.observe({ camera: 'c', label: 'motion', active, at: t(s), initialized: false, topic });
    expect(obs(0, 'VMD/Camera1ProfileANY', true).map((r) => r.state)).toEqual(['start']);
    expect(obs(1, 'VMD/Camera1Profile1', true)).toEqual([]);
    obs(2, 'VMD/Camera1Profile1', false);
    expect(tr.tick(t(20))).toEqual([]);
    obs(21, 'VMD/Camera1ProfileANY', false);
    expect(tr.tick(t(30)).map((r) => r.end)).toEqual([t(21).toISOString()]);
  });

  it('nextDeadline follows the merge gap and the max duration', () => {
    const tr = new EventTracker({ camera: 'c', maxEventMs: 60_000, mergeGapMs: 5_000 });
    expect(tr.nextDeadline()).toBeNull();
    tr.observe({ camera: 'c', label: 'motion', active: true, at: t(0), initialized: false, topic: MOTION });
    expect(tr.nextDeadline()).toEqual(t(60));
    tr.observe({ camera: 'c', label: 'motion', active: false, at: t(2), initialized: false, topic: MOTION });
    expect(tr.nextDeadline()).toEqual(t(7));
  });

  it('stop closes an open event with reason stopped, and nothing otherwise', () => {
    const tr = new EventTracker({ camera: 'c', maxEventMs: 60_000, mergeGapMs: 5_000 });
    expect(tr.stop(t(0))).toEqual([]);
    tr.observe({ camera: 'c', label: 'motion', active: true, at: t(0), initialized: false, topic: MOTION });
    const [end] = tr.stop(t(3));
    expect(end).toMatchObject({ state: 'end', end: t(3).toISOString(), reason: 'stopped', source: 'onvif', topic: MOTION });
    expect(tr.stop(t(4))).toEqual([]);
  });

  it('ids are storage-key safe, deterministic and distinct', () => {
    const id = eventId('front door/1', t(0), MOTION);
    expect(id).toMatch(/^front_door_1-20240501T100000Z-[0-9a-f]{6}$/);
    expect(eventId('front door/1', t(0), MOTION)).toBe(id);
    expect(eventId('front door/1', new Date(T0 + 1), MOTION)).not.toBe(id);
  });
});
