import type { EventLabel } from './labels.js';

/**
 * What cameras send, as data: one row per (topic, state item) → label. First matching row wins, so specific rows
 * (an item name, a sub-topic to ignore) come before general ones. Extend it in one line, with the public source
 * of the message beside it; a fixture under test/fixtures/onvif/ replays the message through the real parser.
 *
 * - `topic`: path segments without namespace prefixes (`tns1:`, `tnsaxis:` …), compared case-insensitively;
 *   `*` matches one segment, a trailing `**` any number.
 * - `item`: the Data SimpleItem carrying the state (case-insensitive). Without it, the first item named like a
 *   state (IsMotion, State, active …) or the only item is used.
 * - `label`: the normalised label, or `null` for a known non-event (I/O, PTZ, day/night, counters …).
 * - `kind`: `state` (true/false, 1/0 …: the default), `pulse` (an instant: line crossed; never from `Initialized`),
 *   `classes` (the value is a class list, `"Human Vehicle"`, empty = cleared). A `ClassTypes`/`classTypes`/
 *   `ObjectType` item next to any state refines the label (Axis Object Analytics `classTypes="human"` → person).
 */
export type StateKind = 'state' | 'pulse' | 'classes';

export interface TopicRule {
  topic: string;
  item?: string;
  label: EventLabel | null;
  kind?: StateKind;
  /** Who sends it (shown by `watch-events --list-topics`). */
  vendor: string;
}

const row = (vendor: string, topic: string, item: string | undefined, label: EventLabel | null, kind: StateKind = 'state'): TopicRule =>
  item === undefined ? { vendor, topic, label, kind } : { vendor, topic, item, label, kind };
const ignore = (vendor: string, topic: string): TopicRule => ({ vendor, topic, label: null });

export const VENDOR_RULES: readonly TopicRule[] = [
  // TP-Link Tapo (and VIGI firmware): the label is in the item name. HA's parser tests carry messages from users' logs:
  // https://github.com/home-assistant/core/blob/dev/tests/components/onvif/test_parsers.py, https://github.com/openvideolibs/onvif-parsers/blob/main/tests/test_tapo.py
  row('TP-Link Tapo', 'RuleEngine/PeopleDetector/People', 'IsPeople', 'person'), // HA test_tapo_tpsmartevent_person
  row('TP-Link Tapo', 'RuleEngine/TPSmartEventDetector/TPSmartEvent', 'IsVehicle', 'vehicle'), // HA test_tapo_tpsmartevent_vehicle
  row('TP-Link Tapo', 'RuleEngine/TPSmartEventDetector/TPSmartEvent', 'IsPet', 'animal'), // HA test_tapo_tpsmartevent_pet
  row('TP-Link Tapo', 'RuleEngine/CellMotionDetector/People', 'IsPeople', 'person'), // HA test_tapo_cellmotiondetector_person
  row('TP-Link Tapo', 'RuleEngine/CellMotionDetector/TpSmartEvent', 'IsVehicle', 'vehicle'), // HA test_tapo_cellmotiondetector_vehicle
  row('TP-Link Tapo', 'RuleEngine/CellMotionDetector/TpSmartEvent', 'IsPet', 'animal'), // same topic, pet variant (onvif-parsers tapo.py)
  row('TP-Link Tapo', 'RuleEngine/CellMotionDetector/LineCross', 'IsLineCross', 'line-crossing', 'pulse'), // HA test_tapo_line_crossed
  row('TP-Link Tapo', 'RuleEngine/LineCrossDetector/LineCross', 'IsLineCross', 'line-crossing', 'pulse'), // https://github.com/home-assistant/core/issues/127991 (C250)
  row('TP-Link Tapo', 'RuleEngine/CellMotionDetector/Intrusion', 'IsIntrusion', 'intrusion'), // HA test_tapo_intrusion, https://github.com/home-assistant/core/issues/109198
  row('TP-Link Tapo', 'RuleEngine/CellMotionDetector/Tamper', 'IsTamper', 'tamper'), // HA test_tapo_tamper

  // Reolink AI: https://github.com/berfenger/cam2mqtt/issues/8, https://github.com/koush/scrypted/issues/1376 (raw PullMessages)
  row('Reolink', 'RuleEngine/MyRuleDetector/PeopleDetect', 'State', 'person'),
  row('Reolink', 'RuleEngine/MyRuleDetector/VehicleDetect', 'State', 'vehicle'),
  row('Reolink', 'RuleEngine/MyRuleDetector/DogCatDetect', 'State', 'animal'),
  row('Reolink', 'RuleEngine/MyRuleDetector/FaceDetect', 'State', 'face'),
  row('Reolink', 'RuleEngine/MyRuleDetector/Package', 'State', 'package'), // https://github.com/openvideolibs/onvif-parsers/blob/main/tests/test_reolink.py
  row('Reolink', 'RuleEngine/MyRuleDetector/Visitor', 'State', 'visitor'), // doorbell press: https://github.com/berfenger/cam2mqtt/issues/15

  // Axis: one topic family per installed application. Raw event XML from devices in the axis library's fixtures:
  // https://github.com/Kane610/axis/blob/master/tests/event_fixtures.py
  ignore('Axis', 'CameraApplicationPlatform/VMD/xinternal_data'), // internal, blacklisted by the axis library
  row('Axis', 'CameraApplicationPlatform/VMD/*', 'active', 'motion'), // VMD4 profiles
  row('Axis', 'RuleEngine/VMD3/*', 'active', 'motion'), // VMD3 on older firmware
  row('Axis', 'VideoAnalytics/MotionDetection', undefined, 'motion'), // VMD on oldest firmware (item `motion`); Samsung/Hanwha older models use the same path: https://github.com/home-assistant/core/issues/66493
  row('Axis', 'CameraApplicationPlatform/MotionGuard/*', 'active', 'motion'),
  row('Axis', 'CameraApplicationPlatform/FenceGuard/*', 'active', 'line-crossing'),
  row('Axis', 'CameraApplicationPlatform/LoiteringGuard/*', 'active', 'intrusion'),
  row('Axis', 'CameraApplicationPlatform/ObjectAnalytics/*', 'active', 'motion'), // scenario; `classTypes` (human, car …) refines it
  row('Axis', 'Device/Sensor/PIR', 'state', 'motion'), // PIR sensor
  ignore('Axis', 'Device/IO/**'), // ports, supervised ports, virtual inputs
  ignore('Axis', 'PTZController/**'), // is_moving, on_preset
  ignore('Axis', 'VideoSource/DayNightVision'),
  ignore('Axis', 'Device/Light/Status'),
  ignore('Axis', 'LightControl/**'),
  ignore('Axis', 'AudioSource/TriggerLevel'),
  ignore('Axis', 'Storage/**'),

  // Ajax: class list as the state. https://github.com/openvideolibs/onvif-parsers/blob/main/tests/test_ajax.py,
  // https://github.com/home-assistant/core/issues/160692
  row('Ajax', 'RuleEngine/MotionDetector/Detection', 'Detected', 'motion'),
  row('Ajax', 'RuleEngine/ObjectDetection/Object', 'ClassTypes', 'motion', 'classes'),
  row('Ajax', 'RuleEngine/ObjectDetector/Detection', 'ClassTypes', 'motion', 'classes'),
  row('Ajax', 'RuleEngine/LineDetector/Crossing', undefined, 'line-crossing', 'pulse'), // no state item, no PropertyOperation

  // Uniview: human shape detection. https://github.com/danielwoz/ubiquiti-protect-onvif-event-listener (camera 109),
  // https://github.com/openvideolibs/onvif-parsers/blob/main/src/onvif_parsers/parsers/uncategorized.py
  row('Uniview', 'UserAlarm/IVA/HumanShapeDetect', 'State', 'person'),
  row('Uniview', 'VehicleAlarm/IVB/VehicleDetect', 'State', 'vehicle'),

  // Hanwha / Wisenet AI (WiseAI app): sample data in https://documentation.mirasys.com/integrations/integrations/onvif-profile-m-events-to-trigger-alarms
  row('Hanwha', 'OpenApp/WiseAI/ObjectDetection', 'State', 'motion'), // with ClassTypes="Person"
  row('Hanwha', 'OpenApp/WiseAI/LineCrossing', 'State', 'line-crossing', 'pulse'),

  // Bosch IVA: the user's rule name is the last segment. https://github.com/home-assistant/core/issues/166418
  row('Bosch', 'IVA/EnteringField/*', undefined, 'intrusion'),

  // Foscam: person detection arrives on this topic. https://github.com/home-assistant/core/issues/132521 (V8EP)
  row('Foscam', 'Device/Trigger/MotionDetector', undefined, 'motion'),

  // Hikvision: the alarm input is I/O, not motion. https://github.com/openvideolibs/onvif-parsers/blob/main/tests/test_hikvision.py
  ignore('Hikvision', 'Device/Trigger/AlarmIn'),

  // ONVIF Core topics that Hikvision (incl. AcuSense, Annke), Dahua/Amcrest/Imou, Reolink, Tapo, Uniview, Bosch send.
  // https://github.com/home-assistant/core/blob/dev/homeassistant/components/onvif/parsers.py and the fixtures' sources.
  row('ONVIF', 'RuleEngine/CellMotionDetector/Motion', 'IsMotion', 'motion'),
  row('ONVIF', 'VideoSource/MotionAlarm', 'State', 'motion'),
  row('ONVIF', 'RuleEngine/MotionRegionDetector/Motion', 'State', 'motion'),
  row('ONVIF', 'RuleEngine/FieldDetector/ObjectsInside', 'IsInside', 'intrusion'),
  row('ONVIF', 'RuleEngine/LineDetector/Crossed', undefined, 'line-crossing', 'pulse'), // ObjectId only; Bosch sends no Data at all
  row('ONVIF', 'RuleEngine/TamperDetector/Tamper', 'IsTamper', 'tamper'),
  row('ONVIF', 'VideoSource/GlobalSceneChange/*', undefined, 'tamper'),
  ignore('ONVIF', 'RuleEngine/CountAggregation/**'), // https://github.com/home-assistant/core/issues/38033 (counter)
  ignore('ONVIF', 'Device/Trigger/DigitalInput'), // https://github.com/home-assistant/core/issues/62481
  ignore('ONVIF', 'Device/Trigger/Relay'),
  ignore('ONVIF', 'Device/HardwareFailure/**'),
  ignore('ONVIF', 'VideoSource/ImageTooBlurry/**'),
  ignore('ONVIF', 'VideoSource/ImageTooDark/**'),
  ignore('ONVIF', 'VideoSource/ImageTooBright/**'),
  ignore('ONVIF', 'AudioAnalytics/**'), // DetectedSound: not in the label vocabulary
  ignore('ONVIF', 'Monitoring/**'),
  ignore('ONVIF', 'RecordingConfig/**'),
];
