import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback endpoint speaking Rekognition's JSON 1.1 wire protocol for DetectLabels, so the real
 * @aws-sdk/client-rekognition can be pointed at it with `endpoint`. What it answers is scripted by the
 * test (the protocol is under test, not image understanding); every request is checked (target,
 * content type, SigV4 header, a real JPEG in Image.Bytes) and recorded.
 */
export interface RekInstance {
  BoundingBox: { Width: number; Height: number; Left: number; Top: number };
  Confidence: number;
}
export interface RekLabelOut {
  Name: string;
  Confidence: number;
  Instances?: RekInstance[];
  Parents?: { Name: string }[];
  Aliases?: { Name: string }[];
  Categories?: { Name: string }[];
}

/** One scripted answer: labels (200), or an AWS error (`__type`) with its HTTP status. */
export type Scripted = { labels: RekLabelOut[] } | { error: string; status?: number; message?: string };

export interface ReceivedRequest {
  target: string;
  headers: IncomingHttpHeaders;
  body: {
    Image?: { Bytes?: string };
    MinConfidence?: number;
    MaxLabels?: number;
    Features?: string[];
    Settings?: { GeneralLabels?: { LabelInclusionFilters?: string[]; LabelExclusionFilters?: string[] } };
  };
  /** The decoded Image.Bytes. */
  image: Buffer;
}

export interface RekognitionServer {
  endpoint: string;
  requests: ReceivedRequest[];
  /** Queue answers, used in order; when the queue is empty the server answers `fallback`. */
  enqueue(...answers: Scripted[]): void;
  fallback: Scripted;
  close(): Promise<void>;
}

/** Status codes per the AWS API reference for DetectLabels errors. */
const ERROR_STATUS: Record<string, number> = {
  ThrottlingException: 500,
  InternalServerError: 500,
  ProvisionedThroughputExceededException: 400,
  InvalidImageFormatException: 400,
  ImageTooLargeException: 400,
  AccessDeniedException: 400,
  InvalidParameterException: 400,
};

const isJpeg = (b: Buffer): boolean => b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b.at(-2) === 0xff && b.at(-1) === 0xd9;

function problem(reason: string): Scripted {
  return { error: 'InvalidParameterException', message: reason };
}

export async function startRekognitionServer(): Promise<RekognitionServer> {
  const queue: Scripted[] = [];
  const requests: ReceivedRequest[] = [];
  const state = { fallback: { labels: [] } as Scripted };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      let answer: Scripted;
      let body: ReceivedRequest['body'] = {};
      let image = Buffer.alloc(0);
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedRequest['body'];
        image = Buffer.from(body.Image?.Bytes ?? '', 'base64');
      } catch {
        // answered below as a bad request
      }
      if (req.method !== 'POST' || target !== 'RekognitionService.DetectLabels') answer = { error: 'UnknownOperationException', status: 400 };
      else if (req.headers['content-type'] !== 'application/x-amz-json-1.1') answer = problem(`content-type ${req.headers['content-type']}`);
      else if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) answer = { error: 'MissingAuthenticationTokenException', status: 400 };
      else if (!isJpeg(image)) answer = { error: 'InvalidImageFormatException', message: 'Request has invalid image format' };
      else if (image.length > 5 * 1024 * 1024) answer = { error: 'ImageTooLargeException' };
      else if (body.MinConfidence !== undefined && !(body.MinConfidence >= 0 && body.MinConfidence <= 100)) answer = problem('MinConfidence out of range');
      else answer = queue.shift() ?? state.fallback;
      requests.push({ target, headers: req.headers, body, image });
      if ('error' in answer) {
        res.writeHead(answer.status ?? ERROR_STATUS[answer.error] ?? 400, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': answer.error,
          'x-amzn-requestid': `req-${requests.length}`,
        });
        res.end(JSON.stringify({ __type: answer.error, Message: answer.message ?? answer.error }));
        return;
      }
      const min = body.MinConfidence ?? 55;
      const include = body.Settings?.GeneralLabels?.LabelInclusionFilters;
      const labels = answer.labels
        .filter((l) => l.Confidence >= min && (!include || include.includes(l.Name)))
        .map((l) => ({ Instances: [], Parents: [], Aliases: [], Categories: [], ...l }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${requests.length}` });
      res.end(JSON.stringify({ Labels: labels, LabelModelVersion: '3.0' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...answers) => queue.push(...answers),
    get fallback() {
      return state.fallback;
    },
    set fallback(v: Scripted) {
      state.fallback = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
