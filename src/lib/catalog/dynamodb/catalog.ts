import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Span } from '../../time.js';
import { siteNameProblem } from '../../sites.js';
import { CursorError, foundLabels, reviewId, type EventCatalog, type EventPage, type EventQuery, type EventSummary, type ReviewedTimelineEvent, type StoredClip } from '../event-catalog.js';
import { EVENT_LOOKBACK_MS } from '../events.js';
import type { GapRow, SegmentRow } from '../segments.js';
import {
  AFTER, cameraPk, clipSk, decodeCursor, encodeCursor, entryId, entrySk, gapPrefix, gapSk, invMs, listSk, padMs, recordingPrefix,
  recordingSk, reviewPrefix, reviewSk, startRange,
} from './keys.js';
import { BY_CAMERA_INDEX, BY_SITE_INDEX, TTL_ATTRIBUTE } from './table.js';

/**
 * The EventCatalog over DynamoDB: what the web app reads in the cloud, and what the index Lambda (src/lambda/index.ts)
 * writes from the manifests cctv uploads. One catalog object serves one site; the table holds every site (keys.ts).
 *
 *   const catalog = dynamoEventCatalog({ client: new DynamoDBClient({}), tableName: 'cctv-events', site: 'home' });
 *   const page = await catalog.listEvents({ cameras: [], labels: ['person'], limit: 50 });
 *
 * Reads need dynamodb:Query and dynamodb:GetItem on the table and its indexes; the write methods (put*) need
 * dynamodb:PutItem and are only for the indexer, tests and benchmarks. Same queries, paging and results as the SQLite
 * catalog (test/catalog/event-catalog.conformance.ts runs against both), with two documented bounds: recordings are
 * looked for from RECORDING_LOOKBACK_MS before a span (a recording is at most an hour long), and storage keys are the
 * keys inside the site (`clips/…`, as the site's own storage URL `s3://bucket/<site>` names them).
 */
export interface DynamoEventCatalogOptions {
  /** A DynamoDB client (region, credentials, endpoint: all the SDK's own). Not destroyed by the catalog. */
  client: DynamoDBClient;
  tableName: string;
  /** The site whose events this catalog reads and writes (SITE_PATTERN). */
  site: string;
  /** Index entries expire this many days after their start (the bucket's expire_after_days); none when absent. */
  expireAfterDays?: number;
}

/** An event or plain clip as the index stores it (from a manifest): what listEvents and storedClip return about it. */
export interface IndexEntry {
  /** Null for a plain clip (then `clip` is required). */
  eventId: string | null;
  camera: string;
  startMs: number;
  endMs: number | null;
  /** The labels the camera reported, in its order. */
  cameraLabels: string[];
  /** The detector's labels, best confidence per name. */
  detected: { name: string; confidence: number }[];
  /** Its stored clip; null until stored. */
  clip: Omit<StoredClip, 'camera'> | null;
}

/**
 * Which write wins, without transactions: the version of the source it was read from. A write from an S3 event carries
 * the event's `sequencer` (normaliseSequencer) and replaces an item written from an older one of the same object (a
 * duplicate or an older delivery changes nothing). A write without a sequencer (a reindex, which lists the bucket)
 * replaces what was read before it (`readAtMs`). Either way the item holds what was read from S3 last.
 */
export interface WriteVersion {
  sequencer?: string;
  readAtMs: number;
}

export interface DynamoEventCatalog extends EventCatalog {
  readonly site: string;
  /** Stores an event or plain clip (and its stored clip's item); false when an item was newer (nothing written). */
  putEntry(entry: IndexEntry, version: WriteVersion): Promise<boolean>;
  /** Stores a recording (the same camera, start and path again replaces it). */
  putRecording(segment: SegmentRow): Promise<void>;
  /** Stores an outage of the recorder. */
  putGap(gap: GapRow): Promise<void>;
}

/** How far before a span recordings are looked for: segments last at most 3600 s (record.segmentSeconds). */
export const RECORDING_LOOKBACK_MS = 2 * 3_600_000;

export function dynamoEventCatalog(o: DynamoEventCatalogOptions): DynamoEventCatalog {
  const problem = siteNameProblem(o.site);
  if (problem) throw new Error(`site "${o.site}": ${problem}`);
  const doc = DynamoDBDocumentClient.from(o.client, { marshallOptions: { removeUndefinedValues: true } });
  const { tableName: TableName, site } = o;

  async function* walk(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncGenerator<Record<string, unknown>> {
    let start: Record<string, unknown> | undefined;
    do {
      const r = await doc.send(new QueryCommand({ TableName, ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of r.Items ?? []) yield item;
      start = r.LastEvaluatedKey;
    } while (start);
  }

  async function put(item: Record<string, unknown>, v: WriteVersion): Promise<boolean> {
    const bookkeeping = { readAtMs: v.readAtMs, ...(v.sequencer !== undefined ? { seq: v.sequencer } : {}) };
    try {
      await doc.send(new PutCommand({
        TableName,
        Item: { ...item, ...bookkeeping },
        ...(v.sequencer !== undefined
          ? { ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(seq) OR seq < :seq', ExpressionAttributeValues: { ':seq': v.sequencer } }
          : { ConditionExpression: 'attribute_not_exists(pk) OR readAtMs < :at', ExpressionAttributeValues: { ':at': v.readAtMs } }),
      }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** The items `user` marked reviewed (none without a user). */
  async function marksOf(user: string | undefined): Promise<Set<string>> {
    const marks = new Set<string>();
    if (user === undefined) return marks;
    const prefix = reviewPrefix(user);
    for await (const item of walk({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :v)', ExpressionAttributeValues: { ':p': site, ':v': prefix } })) {
      marks.add((item.sk as string).slice(prefix.length));
    }
    return marks;
  }

  return {
    site,

    async setReviewed(user, items, reviewed) {
      await Promise.all([...new Set(items)].map((item) => {
        const Key = { pk: site, sk: reviewSk(user, item) };
        return reviewed ? doc.send(new PutCommand({ TableName, Item: { ...Key, user, item } })) : doc.send(new DeleteCommand({ TableName, Key }));
      }));
    },

    async putEntry(e, v) {
      const [first, second] = entryItems(site, e, o.expireAfterDays);
      // The stored clip first (when there is one): an entry is listed only once its clip can be served.
      const a = await put(first!, v);
      const b = second ? await put(second, v) : false;
      return a || b;
    },

    async putRecording(s) {
      await doc.send(new PutCommand({ TableName, Item: { pk: site, sk: recordingSk(s.camera, s.startMs, s.path), ...s } }));
    },

    async putGap(g) {
      await doc.send(new PutCommand({ TableName, Item: { pk: site, sk: gapSk(g.camera, g.fromMs, g.toMs), ...g } }));
    },

    async listEvents(q: EventQuery): Promise<EventPage> {
      let after: string | null = null;
      if (q.cursor !== undefined) {
        after = decodeCursor(q.cursor);
        if (after === null) throw new CursorError('not a cursor from a previous page');
      }
      const range = startRange(q.sinceMs, q.untilMs);
      const marks = await marksOf(q.reviewer);
      const lo = after !== null && after > range.lo ? after : range.lo;
      const values: Record<string, unknown> = { ':lo': lo, ':hi': range.hi };
      const filters = q.labels.map((label, i) => {
        values[`:l${i}`] = label;
        return `contains(labelNames, :l${i})`;
      });
      // Without filters a page reads limit + 1 items; with them, bigger pages (DynamoDB filters after reading).
      const Limit = filters.length === 0 && !q.unreviewed ? q.limit + 1 : Math.max(100, q.limit + 1);
      const walkOf = (index: string, hash: string, key: string) => walk({
        IndexName: index,
        KeyConditionExpression: `${hash} = :p AND lsk BETWEEN :lo AND :hi`,
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
        ExpressionAttributeValues: { ...values, ':p': key },
        Limit,
      });
      const walks = q.cameras.length === 0
        ? [walkOf(BY_SITE_INDEX, 'lpk', site)]
        : [...new Set(q.cameras)].map((c) => walkOf(BY_CAMERA_INDEX, 'cpk', cameraPk(site, c)));
      const items: Record<string, unknown>[] = [];
      for await (const item of mergeByLsk(walks)) {
        if (after !== null && (item.lsk as string) <= after) continue;
        if (q.unreviewed && marks.has(reviewId(toSummary(item, marks)))) continue;
        items.push(item);
        if (items.length > q.limit) break;
      }
      await Promise.all(walks.map((w) => w.return(undefined)));
      const page = items.slice(0, q.limit);
      return {
        events: page.map((i) => toSummary(i, marks)),
        next: items.length > q.limit ? encodeCursor(page[page.length - 1]!.lsk as string) : null,
      };
    },

    async lastRecording(camera) {
      const r = await doc.send(new QueryCommand({
        TableName, KeyConditionExpression: 'pk = :p AND begins_with(sk, :r)', ExpressionAttributeValues: { ':p': site, ':r': recordingPrefix(camera) },
        ScanIndexForward: false, Limit: 1,
      }));
      const item = r.Items?.[0];
      return item ? toSegment(item) : null;
    },

    async recordings(camera: string, span: Span) {
      const out: SegmentRow[] = [];
      for await (const item of walk({
        KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
        FilterExpression: 'endMs > :from OR closed = :open',
        ExpressionAttributeValues: {
          ':p': site, ':lo': `${recordingPrefix(camera)}${padMs(span.fromMs - RECORDING_LOOKBACK_MS)}`,
          ':hi': `${recordingPrefix(camera)}${padMs(span.toMs - 1)}|${AFTER}`, ':from': span.fromMs, ':open': false,
        },
      })) out.push(toSegment(item));
      return out;
    },

    async gaps(camera: string, span: Span) {
      const out: GapRow[] = [];
      for await (const item of walk({
        KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
        FilterExpression: 'fromMs < :to',
        ExpressionAttributeValues: { ':p': site, ':lo': `${gapPrefix(camera)}${padMs(span.fromMs + 1)}`, ':hi': `${gapPrefix(camera)}${AFTER}`, ':to': span.toMs },
      })) out.push({ camera: item.camera as string, fromMs: item.fromMs as number, toMs: item.toMs as number, reason: item.reason as string });
      return out.sort((a, b) => a.fromMs - b.fromMs || a.toMs - b.toMs);
    },

    async cameraEvents(camera: string, span: Span, reviewer?: string): Promise<ReviewedTimelineEvent[]> {
      const marks = await marksOf(reviewer);
      const out: ReviewedTimelineEvent[] = [];
      for await (const item of walk({
        IndexName: BY_CAMERA_INDEX,
        KeyConditionExpression: 'cpk = :p AND lsk BETWEEN :lo AND :hi',
        FilterExpression: 'kind = :event AND (endMs >= :from OR (attribute_type(endMs, :null) AND startMs >= :from))',
        ExpressionAttributeValues: {
          ':p': cameraPk(site, camera), ':lo': invMs(span.toMs - 1), ':hi': `${invMs(span.fromMs - EVENT_LOOKBACK_MS)}|${AFTER}`,
          ':event': 'event', ':from': span.fromMs, ':null': 'NULL',
        },
      })) {
        out.push({ id: item.eventId as string, startMs: item.startMs as number, endMs: (item.endMs as number | null) ?? null, labels: item.cameraLabels as string[], reviewed: marks.has(item.eventId as string) });
      }
      return out.reverse();
    },

    async storedClip(key) {
      const r = await doc.send(new GetCommand({ TableName, Key: { pk: site, sk: clipSk(key) } }));
      if (!r.Item) return null;
      const i = r.Item;
      return { key: i.key as string, url: i.url as string, poster: (i.poster as string | null) ?? null, camera: i.camera as string, startMs: i.startMs as number };
    },
  };
}

/**
 * Pure: the items of an entry, in write order: its stored clip's (when it has one), then the entry's own (listed by
 * the indexes). Without the write bookkeeping (putEntry adds it); benchmarks batch-write them.
 */
export function entryItems(site: string, e: IndexEntry, expireAfterDays?: number): Record<string, unknown>[] {
  if (e.eventId === null && e.clip === null) throw new Error('a plain clip needs its stored clip');
  const id = entryId(e.eventId, e.clip?.key ?? null);
  const ttl = expireAfterDays === undefined ? {} : { [TTL_ATTRIBUTE]: Math.floor(e.startMs / 1000) + expireAfterDays * 86_400 };
  const labelNames = [...new Set([...e.detected.map((l) => l.name), ...e.cameraLabels])];
  const entry = {
    pk: site, sk: entrySk(id), lpk: site, cpk: cameraPk(site, e.camera), lsk: listSk(e.startMs, id), kind: e.eventId === null ? 'clip' : 'event',
    eventId: e.eventId, camera: e.camera, startMs: e.startMs, endMs: e.endMs, cameraLabels: e.cameraLabels, detected: e.detected,
    labelNames, clipKey: e.clip?.key ?? null, hasPoster: e.clip !== null && e.clip.poster !== null, ...ttl,
  };
  return e.clip === null ? [entry] : [{ pk: site, sk: clipSk(e.clip.key), ...e.clip, camera: e.camera, ...ttl }, entry];
}

function toSummary(i: Record<string, unknown>, marks: ReadonlySet<string>): EventSummary {
  const summary = {
    eventId: (i.eventId as string | null) ?? null,
    camera: i.camera as string,
    startMs: i.startMs as number,
    endMs: (i.endMs as number | null) ?? null,
    labels: foundLabels(i.detected as { name: string; confidence: number }[], i.cameraLabels as string[]),
    clipKey: (i.clipKey as string | null) ?? null,
    hasPoster: i.hasPoster === true,
  };
  return { ...summary, reviewed: marks.has(reviewId(summary)) };
}

function toSegment(i: Record<string, unknown>): SegmentRow {
  return {
    camera: i.camera as string, path: i.path as string, startMs: i.startMs as number, endMs: i.endMs as number, bytes: i.bytes as number,
    closed: i.closed as boolean,
  };
}

/** Items of several walks, each ascending by `lsk`, as one ascending walk (reads each only as far as needed). */
async function* mergeByLsk(walks: AsyncGenerator<Record<string, unknown>>[]): AsyncGenerator<Record<string, unknown>> {
  const heads = await Promise.all(walks.map((w) => w.next()));
  for (;;) {
    let best = -1;
    heads.forEach((h, i) => {
      if (!h.done && (best < 0 || (h.value.lsk as string) < (heads[best]!.value.lsk as string))) best = i;
    });
    if (best < 0) return;
    yield heads[best]!.value as Record<string, unknown>;
    heads[best] = await walks[best]!.next();
  }
}
