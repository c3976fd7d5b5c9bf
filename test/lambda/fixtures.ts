import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBridgeS3Event, S3Event } from '../../src/lambda/s3-event.js';

/** A key as S3 writes it into event notifications: URL-encoded, `+` for a space, `/` kept. */
export function s3EventKey(key: string): string {
  return key.split('/').map((seg) => encodeURIComponent(seg).replace(/%20/g, '+')).join('/');
}

let sequence = 0x5f0000;

/** The exact JSON S3 sends to Lambda for one created object (event notification version 2.1). */
export function s3Event(bucket: string, key: string, o: { size?: number; eTag?: string; eventName?: string } = {}): S3Event {
  sequence++;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: o.eventName ?? 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLEUPLOADER' },
        requestParameters: { sourceIPAddress: '203.0.113.7' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'cctv-hook',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: s3EventKey(key), size: o.size ?? 1024, eTag: o.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e', sequencer: sequence.toString(16).toUpperCase().padStart(18, '0') },
        },
      },
    ],
  } as S3Event;
}

/**
 * The exact JSON EventBridge delivers for an object S3 created (the bucket's EventBridge notifications on), shaped as
 * AWS's documented "Object created" example (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html):
 * the envelope (version, id, detail-type, source, account, time, region, resources) and `detail` with the bucket, the
 * object (key URL-encoded, size, etag, version-id, sequencer), request-id, requester, source-ip-address and reason.
 * The sequencer comes from the same counter as s3Event's, so events made later carry greater ones.
 */
export function eventBridgeEvent(bucket: string, key: string, o: { size?: number; etag?: string } = {}): EventBridgeS3Event {
  sequence++;
  return {
    version: '0',
    id: `17793124-05d4-b198-2fde-${sequence.toString(16).padStart(12, '0')}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key: s3EventKey(key), size: o.size ?? 5, etag: o.etag ?? 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45BhZA4zZgdRQEb4vuMq2CzKBmH', sequencer: sequence.toString(16).padStart(16, '0') },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

/**
 * Pure: whether a request carries a valid SigV4 signature for service `sns` made with `secret` (recomputed from
 * the method, path, signed headers and body, as AWS checks it), else what is wrong with it.
 */
export function checkSigV4(req: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer }, credentials: { accessKeyId: string; secret: string }): string | null {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/sns\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
  if (!m) return 'authorization header';
  const [, keyId, date, region, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date)) return 'x-amz-date';
  if (keyId !== credentials.accessKeyId) return 'access key';
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return 'host not signed';
  const hash = (x: string | Buffer) => createHash('sha256').update(x).digest('hex');
  const canonical = [
    req.method, req.path.split('?')[0], req.path.split('?')[1] ?? '',
    ...names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}`), '',
    signedHeaders, String(req.headers['x-amz-content-sha256'] ?? hash(req.body)),
  ].join('\n');
  const scope = `${date}/${region}/sns/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hash(canonical)].join('\n');
  const hmac = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
  const key = ['aws4_request'].reduce((k, part) => hmac(k, part), hmac(hmac(hmac(`AWS4${credentials.secret}`, date), region), 'sns'));
  return createHmac('sha256', key).update(toSign).digest('hex') === signature ? null : 'signature';
}

/**
 * A loopback endpoint speaking SNS's Query protocol for Publish (form-encoded POST, SigV4 with service `sns`
 * checked against the process's AWS credentials, XML answer), recording each publish.
 */
export interface SnsServer {
  endpoint: string;
  published: { topicArn: string; subject: string; message: string; headers: IncomingHttpHeaders }[];
  rejected: string[];
  close(): Promise<void>;
}

export async function startSnsServer(): Promise<SnsServer> {
  const state: SnsServer = { endpoint: '', published: [], rejected: [], close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secret: process.env.AWS_SECRET_ACCESS_KEY ?? '' };
      const problem =
        req.method !== 'POST' ? 'method' :
        !String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') ? 'content-type' :
        checkSigV4({ method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body }, credentials) ??
        (form.get('Action') !== 'Publish' || form.get('Version') !== '2010-03-31' ? 'action' :
        !/^arn:aws:sns:/.test(form.get('TopicArn') ?? '') ? 'topic' : null);
      if (problem) {
        state.rejected.push(problem);
        const [status, code] = problem === 'signature' ? [403, 'SignatureDoesNotMatch'] : [400, 'InvalidParameter'];
        res.writeHead(status, { 'content-type': 'text/xml' }).end(`<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${problem}</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
        return;
      }
      state.published.push({ topicArn: form.get('TopicArn')!, subject: form.get('Subject') ?? '', message: form.get('Message') ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/xml' }).end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-${state.published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
