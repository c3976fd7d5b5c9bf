import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP receiver on loopback (webhook, ntfy, Pushover, Telegram, Gotify, Apprise stand-in): records each
 * request as it arrived (method, path with query, headers, raw bytes; the JSON body parsed when it is JSON) and
 * answers `status` with `answer` (both mutable).
 */
export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The body parsed as JSON, or {} when it is not JSON. */
  body: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  /** The origin, without the `/hook` path. */
  origin: string;
  requests: ReceivedRequest[];
  status: number;
  answer: string;
  close(): Promise<void>;
}

export async function startReceiver(status = 200): Promise<Receiver> {
  const state: Receiver = { url: '', origin: '', requests: [], status, answer: 'ok', close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        // not JSON: multipart, plain text or a picture
      }
      state.requests.push({ at: Date.now(), method: req.method!, path: req.url!, headers: req.headers, raw, body });
      res.writeHead(state.status, { 'content-type': state.answer.startsWith('{') ? 'application/json' : 'text/plain' }).end(state.answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = `${state.origin}/hook`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A received multipart body, parsed by the platform's own parser (undici's Response.formData). */
export async function formOf(r: ReceivedRequest): Promise<FormData> {
  return new Response(r.raw, { headers: { 'content-type': String(r.headers['content-type']) } }).formData();
}
