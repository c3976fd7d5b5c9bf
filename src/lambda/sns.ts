import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Alert, AlertSink } from '../lib/alerts/types.js';
import { errorMessage } from '../lib/errors.js';

/**
 * An alert sink that publishes to an SNS topic (email subscribers get the message text). It speaks SNS's
 * Query protocol (`Action=Publish`, form-encoded POST, SigV4) itself because @aws-sdk/client-sns is not a
 * dependency; the signer and the credential chain are the AWS SDK's own (@smithy/signature-v4,
 * @aws-sdk/credential-provider-node, both already installed with @aws-sdk/client-s3). With client-sns
 * installed this file becomes `client.send(new PublishCommand({ TopicArn, Subject, Message }))`.
 */
export interface SnsOptions {
  topicArn: string;
  /** Default: the topic's region (from its ARN). */
  region?: string;
  /** Default `https://sns.<region>.amazonaws.com`; a VPC endpoint or a test server. */
  endpoint?: string;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
}

/** node:crypto in the shape SignatureV4 wants (the SDK's own Hash class is not a direct dependency). */
class Sha256 {
  private h;
  constructor(secret?: unknown) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: unknown): void {
    this.h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    throw new Error('not supported');
  }
}
const toBytes = (d: unknown): Buffer => (typeof d === 'string' ? Buffer.from(d, 'utf8') : Buffer.from(d as Uint8Array));

/** Pure: SNS Subject (≤ 100 printable ASCII characters, no line breaks) and Message of an alert. */
export function snsMessage(alert: Alert): { subject: string; message: string } {
  const subject = `cctv: ${alert.message}`.replace(/[^\x20-\x7e]/g, ' ').slice(0, 100);
  const lines = [alert.message, '', `clip: ${alert.clip}`, ...(alert.poster ? [`poster: ${alert.poster}`] : []), '', JSON.stringify(alert)];
  return { subject, message: lines.join('\n') };
}

export function createSnsSink(o: SnsOptions): AlertSink {
  const region = o.region ?? o.topicArn.split(':')[3] ?? 'us-east-1';
  const endpoint = new URL(o.endpoint ?? `https://sns.${region}.amazonaws.com/`);
  const signer = new SignatureV4({ service: 'sns', region, credentials: defaultProvider(), sha256: Sha256 as never });
  return {
    name: 'sns',
    async send(alert: Alert): Promise<void> {
      const { subject, message } = snsMessage(alert);
      const body = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: o.topicArn, Subject: subject, Message: message }).toString();
      const signed = await signer.sign({
        method: 'POST', protocol: endpoint.protocol, hostname: endpoint.hostname, ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
        path: endpoint.pathname, query: {},
        headers: { host: endpoint.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      });
      let res: Response;
      try {
        res = await fetch(endpoint, { method: 'POST', headers: signed.headers, body, signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
      } catch (err) {
        throw new Error(`sns: ${errorMessage((err as { cause?: unknown }).cause ?? err)}`);
      }
      const text = await res.text().catch(() => '');
      if (!res.ok) throw new Error(`sns: HTTP ${res.status} ${/<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? res.statusText}`);
    },
    close: async () => {},
  };
}
