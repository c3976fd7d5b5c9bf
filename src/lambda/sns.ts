import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Alert, AlertSink } from '../lib/alerts/types.js';
import { errorMessage } from '../lib/errors.js';

/**
 * An alert sink that publishes to an SNS topic (email subscribers get the message text), with the AWS SDK's
 * SNS client: its credential chain (the Lambda role), SigV4 and the Query protocol (`Action=Publish`).
 */
export interface SnsOptions {
  topicArn: string;
  /** Default: the topic's region (from its ARN). */
  region?: string;
  /** Default `https://sns.<region>.amazonaws.com`; a VPC endpoint or a test server (CCTV_SNS_ENDPOINT). */
  endpoint?: string;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
  /** A ready client (tests, shared clients); by default one is built from the options. */
  client?: SNSClient;
}

/** Pure: SNS Subject (≤ 100 printable ASCII characters, no line breaks) and Message of an alert. */
export function snsMessage(alert: Alert): { subject: string; message: string } {
  const subject = `cctv: ${alert.message}`.replace(/[^\x20-\x7e]/g, ' ').slice(0, 100);
  const lines = [alert.message, '', `clip: ${alert.clip}`, ...(alert.poster ? [`poster: ${alert.poster}`] : []), '', JSON.stringify(alert)];
  return { subject, message: lines.join('\n') };
}

export function createSnsSink(o: SnsOptions): AlertSink {
  const region = o.region ?? o.topicArn.split(':')[3] ?? 'us-east-1';
  // The SDK's own retries are off: the hook's delivery loop (alerts.maxAttempts, with backoff) is the policy.
  const client = o.client ?? new SNSClient({ region, maxAttempts: 1, ...(o.endpoint ? { endpoint: o.endpoint } : {}) });
  return {
    name: 'sns',
    async send(alert: Alert): Promise<void> {
      const { subject, message } = snsMessage(alert);
      try {
        await client.send(new PublishCommand({ TopicArn: o.topicArn, Subject: subject, Message: message }), {
          abortSignal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        });
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const name = (err as { name?: string }).name;
        throw new Error(status ? `sns: HTTP ${status} ${name ?? ''}`.trimEnd() : `sns: ${errorMessage((err as { cause?: unknown }).cause ?? err)}`);
      }
    },
    close: async () => {
      client.destroy();
    },
  };
}
