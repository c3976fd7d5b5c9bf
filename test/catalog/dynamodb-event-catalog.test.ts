import { dynamoEventCatalog, type IndexEntry } from '../../src/lib/catalog/dynamodb/catalog.js';
import { startDynamo } from '../helpers/dynamodb.js';
import { describeEventCatalog, type CatalogData } from './event-catalog.conformance.js';

/**
 * The pipeline's records folded the way the index folds a manifest (src/lambda/index.ts): an event's last record
 * (its labels, its end), its stored clip, the detector's best confidence per label.
 */
function entries(data: CatalogData): IndexEntry[] {
  const events = new Map<string, IndexEntry>();
  for (const e of data.events) {
    events.set(e.id, {
      eventId: e.id, camera: e.camera, startMs: Date.parse(e.start), endMs: e.end ? Date.parse(e.end) : null, cameraLabels: e.labels, detected: [], clip: null,
    });
  }
  const byUrl = new Map<string, IndexEntry>();
  const plain: IndexEntry[] = [];
  for (const u of data.uploads) {
    const clip = { key: u.key, url: u.url, poster: u.poster, startMs: u.startMs };
    const entry = u.eventId !== null
      ? Object.assign(events.get(u.eventId)!, { clip })
      : { eventId: null, camera: u.camera, startMs: u.startMs, endMs: u.endMs, cameraLabels: [], detected: [], clip };
    if (u.eventId === null) plain.push(entry);
    byUrl.set(u.url, entry);
  }
  for (const a of data.analyses) {
    const best = new Map<string, number>();
    for (const l of a.labels) best.set(l.name, Math.max(l.confidence, best.get(l.name) ?? 0));
    byUrl.get(a.clipUrl)!.detected = [...best].map(([name, confidence]) => ({ name, confidence }));
  }
  return [...events.values(), ...plain];
}

describeEventCatalog('dynamodb (dynalite)', async (data) => {
  const dynamo = await startDynamo();
  const catalog = dynamoEventCatalog({ client: dynamo.client, tableName: dynamo.tableName, site: 'home' });
  // Another site in the same table: never seen through this one.
  const other = dynamoEventCatalog({ client: dynamo.client, tableName: dynamo.tableName, site: 'shop' });
  for (const e of entries(data)) {
    await catalog.putEntry(e, { readAtMs: 1 });
    await other.putEntry({ ...e, eventId: e.eventId && `shop-${e.eventId}` }, { readAtMs: 1 });
  }
  for (const s of data.segments) await catalog.putRecording(s);
  for (const g of data.gaps) await catalog.putGap(g);
  await other.putRecording({ ...data.segments[0]!, camera: 'side' });
  return { catalog, teardown: () => dynamo.stop() };
});
