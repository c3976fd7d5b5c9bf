import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Event } from '../../src/lambda/s3-event.js';

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
 * A loopback endpoint speaking SNS's Query protocol for Publish (form-encoded POST, SigV4 with service `sns`,
 * XML answer), recording each publish.
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
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const auth = String(req.headers.authorization ?? '');
      const problem =
        req.method !== 'POST' ? 'method' :
        !String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') ? 'content-type' :
        !/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/sns\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/.test(auth) ? 'signature' :
        !req.headers['x-amz-date'] ? 'x-amz-date' :
        form.get('Action') !== 'Publish' || form.get('Version') !== '2010-03-31' ? 'action' :
        !/^arn:aws:sns:/.test(form.get('TopicArn') ?? '') ? 'topic' : null;
      if (problem) {
        state.rejected.push(problem);
        res.writeHead(400, { 'content-type': 'text/xml' }).end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>${problem}</Message></Error></ErrorResponse>`);
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
