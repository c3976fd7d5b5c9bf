import { describe, expect, it } from 'vitest';
import { parseWithOnvif, tokens } from '../helpers/onvif-device/fixtures.mjs';
import { DEFAULT_TOPICS, classLabels, topicFilter } from '../../src/lib/events/onvif/labels.js';
import { parseNotification, simpleItems, toBool, topicPath } from '../../src/lib/events/onvif/message.js';
import { messageTime, normalise, topicMapRules, type Normalised } from '../../src/lib/events/onvif/normalise.js';
import { fallbackLabel, words } from '../../src/lib/events/onvif/fallback.js';

/** A NotificationMessage as cameras write it; synthetic (for rules no camera capture covers), parsed by the onvif lib. */
function message(topic: string, data: Array<[string, string]> | null, op = 'Changed'): string {
  const items = data?.map(([n, v]) => `<tt:SimpleItem Name="${n}" Value="${v}"/>`).join('') ?? '';
  return (
    `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${topic}</wsnt:Topic>` +
    `<wsnt:Message><tt:Message UtcTime="2024-05-01T10:00:00Z" PropertyOperation="${op}"><tt:Source><tt:SimpleItem Name="Source" Value="0"/></tt:Source>` +
    `${data ? `<tt:Data>${items}</tt:Data>` : ''}</tt:Message></wsnt:Message></wsnt:NotificationMessage>`
  );
}
const run = (xml: string, map?: Record<string, string>): Normalised => normalise(parseNotification(parseWithOnvif([xml])[0])!, topicMapRules(map));
const brief = (n: Normalised) => [...tokens(n.changes.filter((c) => c.active || !n.changes.some((o) => o.active))), n.via ?? '', n.note ?? ''].join(' ').trim();

describe('generic fallback for topics no vendor row knows (through the onvif parser)', () => {
  const cases: Array<[string, Array<[string, string]> | null, string]> = [
    ['tns1:RuleEngine/ACME/HumanDetect', [['State', 'true']], 'person+ fallback'],
    ['tns1:RuleEngine/ACME/PersonAlarm', [['Alarm', '1']], 'person+ fallback'],
    ['tns1:RuleEngine/SmartDetector/Event', [['IsPeople', 'true']], 'person+ fallback'],
    ['tnsacme:VCA/PeopleDetection', [['State', 'true']], 'person+ fallback'],
    ['tns1:RuleEngine/ACME/VehicleDetect', [['State', 'true']], 'vehicle+ fallback'],
    ['tns1:RuleEngine/ACME/CarDetect', [['State', 'true']], 'vehicle+ fallback'],
    ['tns1:RuleEngine/ACME/PetDetect', [['State', 'true']], 'animal+ fallback'],
    ['tns1:RuleEngine/ACME/AnimalDetect', [['State', 'true']], 'animal+ fallback'],
    ['tns1:RuleEngine/ACME/DogDetect', [['State', 'true']], 'animal+ fallback'],
    ['tns1:RuleEngine/ACME/CatDetect', [['State', 'true']], 'animal+ fallback'],
    ['tns1:RuleEngine/ACME/FaceDetect', [['State', 'true']], 'face+ fallback'],
    ['tns1:RuleEngine/ACME/LineAlarm', [['State', 'true']], 'line-crossing! fallback'],
    ['tns1:RuleEngine/ACME/CrossAlarm', [['State', 'true']], 'line-crossing! fallback'],
    ['tns1:RuleEngine/ACME/IntrusionAlarm', [['State', 'true']], 'intrusion+ fallback'],
    ['tns1:RuleEngine/ACME/FieldAlarm', [['State', 'true']], 'intrusion+ fallback'],
    ['tns1:RuleEngine/ACME/TamperAlarm', [['State', 'true']], 'tamper+ fallback'],
    ['tns1:RuleEngine/ACME/MotionAlarm', [['State', 'false']], 'motion- fallback'],
    ['tns1:RuleEngine/ACME/Detect', [['ClassTypes', 'Human'], ['State', 'true']], 'unmapped'],
    ['tns1:RuleEngine/ACME/ObjectDetect', [['ObjectType', 'Vehicle'], ['Active', 'true']], 'unmapped'],
    ['tns1:RuleEngine/ACME/MotionDetect', [['ObjectType', 'Vehicle'], ['Active', 'true']], 'vehicle+ fallback'],
    ['tns1:RuleEngine/ACME/HumanDetect', [['Value', 'maybe']], 'fallback unreadable'],
  ];
  it.each(cases)('%s %j → %s', (topic, data, expected) => {
    expect(brief(run(message(topic, data)))).toBe(expected);
  });
});

describe('non-events never become events', () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['tns1:PTZController/tnsacme:Move/Channel_1', [['is_moving', '1']]],
    ['tns1:PTZController/PTZPresets/Channel_1', [['on_preset', '1']]],
    ['tns1:Device/Trigger/DigitalInput', [['LogicalState', 'true']]],
    ['tns1:Device/Trigger/Relay', [['LogicalState', 'active']]],
    ['tns1:Device/tnsacme:IO/Port', [['state', '1']]],
    ['tns1:Device/tnsacme:AlarmIn/MotionIn', [['State', 'true']]],
    ['tns1:VideoSource/tnsacme:DayNightVision', [['day', '1']]],
    ['tns1:VideoSource/tnsacme:IrCutFilter/Motion', [['State', 'true']]],
    ['tns1:RuleEngine/CountAggregation/Counter', [['Count', '3']]],
    ['tns1:RuleEngine/tnsacme:PeopleCounter/Count', [['Count', '1']]],
    ['tns1:AudioSource/tnsacme:TriggerLevel', [['triggered', '1']]],
    ['tns1:AudioAnalytics/Audio/DetectedSound', [['IsSoundDetected', 'true']]],
    ['tns1:Device/HardwareFailure/StorageFailure', [['Failed', 'true']]],
    ['tns1:RecordingConfig/JobState', [['State', 'Active']]],
    ['tns1:Monitoring/ProcessorUsage', [['Value', '0.5']]],
    ['tnsacme:Storage/Alert', [['alert', '1']]],
    ['tns1:Device/tnsacme:Light/Status', [['state', 'ON']]],
    ['tns1:VideoSource/ImageTooDark/ImagingService', [['State', 'true']]],
  ];
  it.each(cases)('%s', (topic, data) => {
    const n = run(message(topic, data));
    expect(n.changes.filter((c) => c.active)).toEqual([]);
    expect(n.note).toBe('non-event');
  });
});

describe('pulses, missing state items, the user topicMap', () => {
  it('a pulse never comes from Initialized, and a false pulse state is no crossing', () => {
    expect(run(message('tns1:RuleEngine/LineDetector/Crossed', [['ObjectId', '3']], 'Initialized')).changes).toEqual([]);
    expect(tokens(run(message('tns1:RuleEngine/LineDetector/Crossed', [['ObjectId', '3']])).changes)).toEqual(['line-crossing!']);
    expect(run(message('tns1:RuleEngine/LineCrossDetector/LineCross', [['IsLineCross', 'false']])).changes).toEqual([]);
  });

  it('a known topic without its state item is an instant (noted), and nothing at subscribe time', () => {
    const n = run(message('tns1:RuleEngine/CellMotionDetector/Motion', null));
    expect(tokens(n.changes)).toEqual(['motion!']);
    expect(n.note).toBe('missing-state');
    expect(run(message('tns1:RuleEngine/CellMotionDetector/Motion', [['Rule', 'x'], ['Other', 'y']], 'Initialized')).changes).toEqual([]);
  });

  it('topicMap maps a new camera topic, overrides the table, ignores, and rejects unknown labels', () => {
    const map = { 'tnsacme:Smart/Thing': 'person', 'tns1:RuleEngine/CellMotionDetector/Motion': 'ignore', 'acme:Trip/*': 'line-crossing' };
    expect(brief(run(message('tnsacme:Smart/Thing', [['Flag', '1']]), map))).toBe('person+ user');
    expect(brief(run(message('tns1:RuleEngine/CellMotionDetector/Motion', [['IsMotion', 'true']]), map))).toBe('user non-event');
    expect(brief(run(message('tnsacme:Trip/Wire3', [['Hit', 'true']]), map))).toBe('line-crossing! user');
    expect(() => topicMapRules({ 'a:B': 'peple' })).toThrow(/"a:B": unknown label "peple"/);
  });

  it('an unreadable state is noted, not guessed', () => {
    expect(run(message('tns1:VideoSource/MotionAlarm', [['State', 'maybe']])).note).toBe('unreadable');
  });
});

describe('message time', () => {
  const now = Date.parse('2024-05-01T10:00:00Z');
  it.each([
    ['corrected for the camera clock', '2024-05-01T11:00:03Z', 3_600_000, now + 3_000],
    ['never in the future', '2024-05-01T10:00:30Z', 0, now],
    ['Reolink 1970 for a detector that never fired', '1970-01-01T00:00:00Z', 0, now],
    ['an Initialized state hours old', '2024-05-01T07:00:00Z', 0, now],
    ['absent', undefined, 0, now],
  ])('%s', (_name, utc, offset, expected) => {
    const t = messageTime(utc ? new Date(utc) : undefined, offset, now + 10_000);
    expect(t.getTime()).toBe(expected === now ? now + 10_000 : expected);
  });
});

describe('helpers', () => {
  it.each([
    [true, true], [false, false], [1, true], [0, false], [2, null], ['TRUE', true], [' 0 ', false],
    ['off', false], ['active', true], [null, null], [undefined, null],
  ])('toBool(%j) = %j', (v, expected) => {
    expect(toBool(v)).toBe(expected);
  });

  it('topicPath drops namespace prefixes and the //. some cameras append', () => {
    expect(topicPath('tns1:VideoAnalytics/tnsaxis:MotionDetection')).toEqual(['VideoAnalytics', 'MotionDetection']);
    expect(topicPath('tns1:RuleEngine/CellMotionDetector/Motion//.')).toEqual(['RuleEngine', 'CellMotionDetector', 'Motion']);
  });

  it('simpleItems accepts object, array, wrapped and empty shapes', () => {
    const item = (Name: string, Value: unknown) => ({ $: { Name, Value } });
    expect(simpleItems({ simpleItem: item('A', 1) })).toEqual([{ name: 'A', value: 1 }]);
    expect(simpleItems({ simpleItem: [item('A', 1), item('B', 'x')] })).toEqual([{ name: 'A', value: 1 }, { name: 'B', value: 'x' }]);
    expect(simpleItems({ elementItem: {} })).toEqual([]);
    expect(simpleItems(undefined)).toEqual([]);
    expect(simpleItems('')).toEqual([]);
  });

  it('parseNotification: UtcTime without zone is UTC; a bad one is dropped, not thrown', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    expect(parseNotification({ topic: 't', message: { message: { $: { UtcTime: '2024-05-01T10:00:00' } } } })?.utcTime).toEqual(at);
    expect(parseNotification({ topic: 't', message: { message: { $: { UtcTime: '...' } } } })?.utcTime).toBeUndefined();
    expect(parseNotification({ message: {} })).toBeNull();
  });

  it('class lists and words', () => {
    expect(classLabels('Human Vehicle')).toEqual(['person', 'vehicle']);
    expect(classLabels('human,car')).toEqual(['person', 'vehicle']);
    expect(classLabels('1')).toEqual([]);
    expect(words('HumanShapeDetect')).toEqual(['human', 'shape', 'detect']);
    expect(words('TPSmartEvent')).toEqual(['tp', 'smart', 'event']);
    expect(fallbackLabel(['PTZController', 'Move'], ['is_moving'])).toEqual({ kind: 'non-event' });
  });

  it('topicFilter: default excludes tamper, unknown names rejected', () => {
    expect(topicFilter(undefined)('tamper')).toBe(false);
    expect(DEFAULT_TOPICS).toContain('person');
    expect(() => topicFilter(['motion', 'peple'])).toThrow(/unknown topic "peple"/);
  });
});
