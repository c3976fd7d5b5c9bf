export { dynamoEventCatalog, entryItems, RECORDING_LOOKBACK_MS, type DynamoEventCatalog, type DynamoEventCatalogOptions, type IndexEntry, type WriteVersion } from './catalog.js';
export { normaliseSequencer } from './keys.js';
export { createTable, tableDefinition, BY_CAMERA_INDEX, BY_SITE_INDEX, TTL_ATTRIBUTE } from './table.js';
