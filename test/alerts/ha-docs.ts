/**
 * The keys Home Assistant documents for MQTT discovery, written from its documentation (home-assistant.io, source in
 * github.com/home-assistant/home-assistant.io `source/_integrations/*.mqtt.markdown`), so a test can check every
 * discovery payload cctv publishes. Home Assistant itself cannot be installed from the registries reachable here, so
 * this list is what the payloads are checked against. Abbreviations are those of the "Supported abbreviations" tables.
 */

/** https://www.home-assistant.io/integrations/mqtt/#device-discovery-payload — shared options at the root. */
export const DEVICE_DISCOVERY_ROOT = {
  required: [['dev', 'device'], ['o', 'origin'], ['cmps', 'components']],
  allowed: [
    'dev', 'device', 'o', 'origin', 'cmps', 'components', '~',
    'availability', 'avty', 'availability_mode', 'avty_mode', 'availability_template', 'avty_tpl', 'availability_topic', 'avty_t',
    'payload_available', 'pl_avail', 'payload_not_available', 'pl_not_avail',
    'state_topic', 'stat_t', 'command_topic', 'cmd_t', 'qos', 'encoding', 'e',
  ],
};

/** https://www.home-assistant.io/integrations/mqtt/ — "Supported abbreviations for device registry configuration". */
export const DEVICE_KEYS = [
  'ids', 'identifiers', 'cns', 'connections', 'name', 'mf', 'manufacturer', 'mdl', 'model', 'mdl_id', 'model_id', 'hw', 'hw_version',
  'sw', 'sw_version', 'sn', 'serial_number', 'sa', 'suggested_area', 'cu', 'configuration_url', 'via_device',
];

/** https://www.home-assistant.io/integrations/mqtt/#adding-information-about-the-origin-of-a-discovery-message */
export const ORIGIN_KEYS = { required: ['name'], allowed: ['name', 'sw', 'sw_version', 'url', 'support_url'] };

/** Options every MQTT entity platform documents (availability, device, naming, attributes, …). */
const ENTITY_COMMON = [
  'p', 'platform', 'availability', 'availability_mode', 'availability_template', 'availability_topic', 'device', 'default_entity_id',
  'enabled_by_default', 'encoding', 'entity_category', 'entity_picture', 'icon', 'json_attributes_template', 'json_attributes_topic', 'name',
  'object_id', 'origin', 'payload_available', 'payload_not_available', 'qos', 'unique_id',
];

export interface PlatformKeys {
  doc: string;
  /** Each inner list: one of these keys must be present. */
  required: string[][];
  allowed: string[];
}

export const PLATFORMS: Record<string, PlatformKeys> = {
  binary_sensor: {
    doc: 'https://www.home-assistant.io/integrations/binary_sensor.mqtt/',
    required: [['state_topic']],
    allowed: [...ENTITY_COMMON, 'device_class', 'expire_after', 'force_update', 'off_delay', 'payload_off', 'payload_on', 'state_topic', 'value_template'],
  },
  image: {
    doc: 'https://www.home-assistant.io/integrations/image.mqtt/',
    required: [['image_topic', 'url_topic']],
    allowed: [...ENTITY_COMMON, 'content_type', 'image_encoding', 'image_topic', 'url_template', 'url_topic'],
  },
  event: {
    doc: 'https://www.home-assistant.io/integrations/event.mqtt/',
    required: [['state_topic'], ['event_types']],
    allowed: [...ENTITY_COMMON, 'device_class', 'event_types', 'state_topic', 'value_template'],
  },
  sensor: {
    doc: 'https://www.home-assistant.io/integrations/sensor.mqtt/',
    required: [['state_topic']],
    allowed: [
      ...ENTITY_COMMON, 'device_class', 'expire_after', 'force_update', 'last_reset_value_template', 'options', 'state_class', 'state_topic',
      'suggested_display_precision', 'unit_of_measurement', 'value_template',
    ],
  },
  switch: {
    doc: 'https://www.home-assistant.io/integrations/switch.mqtt/',
    required: [['command_topic']],
    allowed: [
      ...ENTITY_COMMON, 'command_template', 'command_topic', 'device_class', 'optimistic', 'payload_off', 'payload_on', 'retain', 'state_off',
      'state_on', 'state_topic', 'value_template',
    ],
  },
};

/** Documented values that are easy to get wrong (the device-class pages of each entity integration). */
const DEVICE_CLASSES: Record<string, string[]> = {
  // https://www.home-assistant.io/integrations/binary_sensor/#device-class (excerpt: the ones cctv could use)
  binary_sensor: ['motion', 'occupancy', 'presence', 'problem', 'connectivity', 'running'],
  // https://www.home-assistant.io/integrations/event/#device-class
  event: ['button', 'doorbell', 'motion'],
  // https://www.home-assistant.io/integrations/sensor/#device-class (excerpt)
  sensor: ['data_size', 'enum', 'timestamp', 'duration'],
  // https://www.home-assistant.io/integrations/switch/#device-class
  switch: ['outlet', 'switch'],
};

/** Every problem of a device-based discovery payload against the documented keys; empty when it is valid. */
export function discoveryProblems(payload: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const keys = (o: object) => Object.keys(o);
  for (const k of keys(payload)) if (!DEVICE_DISCOVERY_ROOT.allowed.includes(k)) problems.push(`root: undocumented key ${k}`);
  for (const alts of DEVICE_DISCOVERY_ROOT.required) if (!alts.some((a) => a in payload)) problems.push(`root: missing ${alts.join('/')}`);
  const dev = (payload.dev ?? payload.device ?? {}) as Record<string, unknown>;
  for (const k of keys(dev)) if (!DEVICE_KEYS.includes(k)) problems.push(`device: undocumented key ${k}`);
  const ids = dev.ids ?? dev.identifiers;
  if (!(typeof ids === 'string' || (Array.isArray(ids) && ids.length > 0)) && !(dev.cns ?? dev.connections)) problems.push('device: no identifiers');
  const origin = (payload.o ?? payload.origin ?? {}) as Record<string, unknown>;
  for (const k of keys(origin)) if (!ORIGIN_KEYS.allowed.includes(k)) problems.push(`origin: undocumented key ${k}`);
  if (typeof origin.name !== 'string') problems.push('origin: missing name');
  const cmps = (payload.cmps ?? payload.components ?? {}) as Record<string, Record<string, unknown>>;
  if (keys(cmps).length === 0) problems.push('no components');
  for (const [id, c] of Object.entries(cmps)) {
    if (!/^[a-zA-Z0-9_-]+$/.test(id)) problems.push(`${id}: component id not [a-zA-Z0-9_-]`);
    const platform = (c.p ?? c.platform) as string;
    const spec = PLATFORMS[platform];
    if (!spec) {
      problems.push(`${id}: unknown platform ${platform}`);
      continue;
    }
    for (const k of keys(c)) if (!spec.allowed.includes(k)) problems.push(`${id} (${platform}): key ${k} not in ${spec.doc}`);
    for (const alts of spec.required) if (!alts.some((a) => a in c)) problems.push(`${id} (${platform}): missing ${alts.join('/')} (${spec.doc})`);
    if (typeof c.unique_id !== 'string') problems.push(`${id}: entity components need a unique_id (device discovery)`);
    if (c.device_class !== undefined && !DEVICE_CLASSES[platform]?.includes(c.device_class as string)) problems.push(`${id}: device_class ${String(c.device_class)}`);
    if (c.device_class === 'enum' && !Array.isArray(c.options)) problems.push(`${id}: an enum sensor needs options`);
    if (c.entity_category !== undefined && !['config', 'diagnostic'].includes(c.entity_category as string)) problems.push(`${id}: entity_category`);
    if (platform === 'event' && !(Array.isArray(c.event_types) && c.event_types.length > 0)) problems.push(`${id}: event_types must be a non-empty list`);
    for (const [k, v] of Object.entries(c)) if (k.endsWith('_topic') && (typeof v !== 'string' || /[#+]/.test(v))) problems.push(`${id}: ${k} not a topic`);
  }
  return problems;
}
