import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOPICS,
  normaliseEvent,
  parseNotification,
  simpleItems,
  toBool,
  topicFilter,
  topicPath,
} from '../../src/lib/events/onvif-topics.js';

const item = (Name: string, Value: unknown) => ({ $: { Name, Value } });
const data = (...items: object[]) => ({ simpleItem: items.length === 1 ? items[0] : items });

describe('normaliseEvent: vendor topics of the GUIDE field notes', () => {
  const cases: Array<[string, string, unknown, ReturnType<typeof normaliseEvent>]> = [
    ['Hikvision/Dahua/Reolink cell motion', 'tns1:RuleEngine/CellMotionDetector/Motion', data(item('IsMotion', true)), { label: 'motion', active: true }],
    ['cell motion stop', 'tns1:RuleEngine/CellMotionDetector/Motion', data(item('IsMotion', false)), { label: 'motion', active: false }],
    ['cell motion as string', 'tns1:RuleEngine/CellMotionDetector/Motion', data(item('IsMotion', 'true')), { label: 'motion', active: true }],
    ['ONVIF standard MotionAlarm', 'tns1:VideoSource/MotionAlarm', data(item('State', true)), { label: 'motion', active: true }],
    ['MotionAlarm with another prefix name', 'ns7:VideoSource/MotionAlarm', data(item('State', 0)), { label: 'motion', active: false }],
    ['Reolink people', 'tns1:RuleEngine/MyRuleDetector/PeopleDetect', data(item('State', true)), { label: 'person', active: true }],
    ['Reolink vehicle', 'tns1:RuleEngine/MyRuleDetector/VehicleDetect', data(item('State', true)), { label: 'vehicle', active: true }],
    ['Reolink dog/cat', 'tns1:RuleEngine/MyRuleDetector/DogCatDetect', data(item('State', 'false')), { label: 'animal', active: false }],
    ['Reolink package', 'tns1:RuleEngine/MyRuleDetector/Package', data(item('State', true)), { label: 'package', active: true }],
    ['Reolink visitor', 'tns1:RuleEngine/MyRuleDetector/Visitor', data(item('State', true)), { label: 'visitor', active: true }],
    ['field detector', 'tns1:RuleEngine/FieldDetector/ObjectsInside', data(item('IsInside', true)), { label: 'intrusion', active: true }],
    ['line crossing is a pulse', 'tns1:RuleEngine/LineDetector/Crossed', data(item('ObjectId', 3)), { label: 'line-crossing', active: true, pulse: true }],
    ['tamper', 'tns1:RuleEngine/TamperDetector/Tamper', data(item('IsTamper', true)), { label: 'tamper', active: true }],
    ['Axis VMD 1/0', 'tnsaxis:CameraApplicationPlatform/VMD/Camera1ProfileANY', data(item('active', 1)), { label: 'motion', active: true }],
    ['Axis VMD off', 'tnsaxis:CameraApplicationPlatform/VMD/Camera1Profile1', data(item('active', 0)), { label: 'motion', active: false }],
    ['Axis MotionRegionDetector', 'tns1:RuleEngine/MotionRegionDetector/Motion', data(item('State', '1')), { label: 'motion', active: true }],
    ['older Axis VideoAnalytics', 'tns1:VideoAnalytics/tnsaxis:MotionDetection', data(item('motion', 1)), { label: 'motion', active: true }],
    ['state item among several', 'tns1:RuleEngine/CellMotionDetector/Motion', data(item('Rule', 'MyMotion'), item('IsMotion', 'false')), { label: 'motion', active: false }],
    ['unnamed single item', 'tns1:VideoSource/MotionAlarm', data(item('Whatever', 'on')), { label: 'motion', active: true }],
    ['simpleItem array directly', 'tns1:VideoSource/MotionAlarm', [item('State', true)], { label: 'motion', active: true }],
    ['case-insensitive topic', 'TNS1:ruleengine/cellmotiondetector/motion', data(item('IsMotion', true)), { label: 'motion', active: true }],
    ['unknown topic', 'tns1:Device/Trigger/DigitalInput', data(item('LogicalState', true)), null],
    ['unreadable value', 'tns1:VideoSource/MotionAlarm', data(item('State', 'maybe')), null],
    ['no data', 'tns1:VideoSource/MotionAlarm', undefined, null],
    ['ambiguous items', 'tns1:VideoSource/MotionAlarm', data(item('A', true), item('B', false)), null],
  ];
  it.each(cases)('%s', (_name, topic, d, expected) => {
    expect(normaliseEvent(topic, d)).toEqual(expected);
  });
});

describe('helpers', () => {
  it.each([
    [true, true], [false, false], [1, true], [0, false], [2, null], ['TRUE', true], [' 0 ', false],
    ['off', false], ['active', true], [null, null], [undefined, null],
  ])('toBool(%j) = %j', (v, expected) => {
    expect(toBool(v)).toBe(expected);
  });

  it('topicPath drops any namespace prefix per segment', () => {
    expect(topicPath('tns1:VideoAnalytics/tnsaxis:MotionDetection')).toEqual(['VideoAnalytics', 'MotionDetection']);
    expect(topicPath(' a:B/C ')).toEqual(['B', 'C']);
  });

  it('simpleItems accepts object, array, wrapped and empty shapes', () => {
    expect(simpleItems({ simpleItem: item('A', 1) })).toEqual([{ name: 'A', value: 1 }]);
    expect(simpleItems({ simpleItem: [item('A', 1), item('B', 'x')] })).toEqual([
      { name: 'A', value: 1 },
      { name: 'B', value: 'x' },
    ]);
    expect(simpleItems(item('A', true))).toEqual([{ name: 'A', value: true }]);
    expect(simpleItems(undefined)).toEqual([]);
    expect(simpleItems('junk')).toEqual([]);
  });

  it('parseNotification reads the onvif lib message shape', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    const msg = {
      topic: { _: 'tns1:RuleEngine/CellMotionDetector/Motion', $: { Dialect: 'x' } },
      message: { message: { $: { UtcTime: at, PropertyOperation: 'Initialized' }, data: data(item('IsMotion', true)) } },
    };
    expect(parseNotification(msg)).toEqual({
      topic: 'tns1:RuleEngine/CellMotionDetector/Motion',
      utcTime: at,
      propertyOperation: 'Initialized',
      data: data(item('IsMotion', true)),
    });
    // UtcTime without Z stays a string in the lib: parsed here; a bad one is dropped, not thrown.
    expect(parseNotification({ topic: 't', message: { message: { $: { UtcTime: '2024-05-01T10:00:00' } } } })?.utcTime).toEqual(at);
    expect(parseNotification({ topic: 't', message: { message: { $: { UtcTime: '2024-05-01T12:00:00+02:00' } } } })?.utcTime).toEqual(at);
    expect(parseNotification({ topic: 't', message: { message: { $: { UtcTime: 'garbage' } } } })?.utcTime).toBeUndefined();
    expect(parseNotification({ message: {} })).toBeNull();
    expect(parseNotification('x')).toBeNull();
  });

  it('topicFilter: default excludes tamper, explicit list, unknown names rejected', () => {
    const def = topicFilter(undefined);
    expect(def('motion')).toBe(true);
    expect(def('person')).toBe(true);
    expect(def('tamper')).toBe(false);
    expect(DEFAULT_TOPICS).not.toContain('tamper');
    const only = topicFilter(['person']);
    expect(only('person')).toBe(true);
    expect(only('motion')).toBe(false);
    expect(() => topicFilter(['motion', 'peple'])).toThrow(/unknown topic "peple"/);
  });
});
