/**
 * The few shapes of S3's event notification (version 2.1/2.2) the hooks read, declared here (no
 * @types/aws-lambda). S3 sends `Records[]`; each object key is URL-encoded form style: `+` for a space,
 * `%XX` for the rest. A bucket's first notification configuration also sends one `s3:TestEvent` without Records.
 */
export interface S3EventRecord {
  eventVersion: string;
  eventSource: 'aws:s3' | string;
  awsRegion: string;
  eventTime: string;
  /** e.g. `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`. */
  eventName: string;
  /** Who wrote the object, from where, and S3's request ids: sent by S3, not read by the hooks. */
  userIdentity?: { principalId: string };
  requestParameters?: { sourceIPAddress: string };
  responseElements?: Record<string, string>;
  s3: {
    s3SchemaVersion?: string;
    configurationId?: string;
    bucket: { name: string; arn?: string; ownerIdentity?: { principalId: string } };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
}

export interface S3Event {
  Records?: S3EventRecord[];
  /** Only on `s3:TestEvent`. */
  Event?: string;
}

/**
 * S3's event as EventBridge delivers it (the bucket's `eventbridge = true`): one object per event, under `detail`
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). Its key is URL-encoded like a notification's.
 */
export interface EventBridgeS3Event {
  version: string;
  id: string;
  'detail-type': 'Object Created' | string;
  source: 'aws.s3' | string;
  account?: string;
  time: string;
  region?: string;
  resources?: string[];
  detail: {
    version?: string;
    bucket: { name: string };
    object: { key: string; size?: number; etag?: string; 'version-id'?: string; sequencer?: string };
    'request-id'?: string;
    requester?: string;
    'source-ip-address'?: string;
    reason?: string;
  };
}

/** One object an event is about. */
export interface CreatedObject {
  bucket: string;
  /** The decoded object key (full key in the bucket, prefix included). */
  key: string;
  eTag?: string;
  sequencer?: string;
  /** When S3 created the object (ISO time): the analyze hook's manifest age. */
  eventTime?: string;
}

/** Pure: decodes an S3 event key (`a+b%2Bc.mp4` → `a b+c.mp4`). */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * Pure: the objects an event says were created, decoded, each once (S3 may repeat a record inside a batch;
 * anything that is not `ObjectCreated:*` from S3 is left out).
 */
export function createdObjects(event: S3Event | EventBridgeS3Event): CreatedObject[] {
  if ('detail' in event) return createdObjectOfEventBridge(event);
  const seen = new Set<string>();
  const out: CreatedObject[] = [];
  for (const r of event.Records ?? []) {
    if (r.eventSource !== 'aws:s3' || !r.eventName?.startsWith('ObjectCreated:')) continue;
    const o: CreatedObject = {
      bucket: r.s3.bucket.name,
      key: decodeS3Key(r.s3.object.key),
      ...(r.s3.object.eTag ? { eTag: r.s3.object.eTag } : {}),
      ...(r.s3.object.sequencer ? { sequencer: r.s3.object.sequencer } : {}),
      ...(r.eventTime ? { eventTime: r.eventTime } : {}),
    };
    const id = `${o.bucket}/${o.key}/${o.sequencer ?? ''}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(o);
    }
  }
  return out;
}

/** Pure: the object an EventBridge `Object Created` event from S3 is about (none for anything else). */
function createdObjectOfEventBridge(e: EventBridgeS3Event): CreatedObject[] {
  if (e.source !== 'aws.s3' || e['detail-type'] !== 'Object Created' || typeof e.detail?.object?.key !== 'string') return [];
  const { object } = e.detail;
  return [{
    bucket: e.detail.bucket.name,
    key: decodeS3Key(object.key),
    ...(object.etag ? { eTag: object.etag } : {}),
    ...(object.sequencer ? { sequencer: object.sequencer } : {}),
    ...(e.time ? { eventTime: e.time } : {}),
  }];
}
