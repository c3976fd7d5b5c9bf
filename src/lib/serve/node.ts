import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { log } from '../log.js';
import type { App } from './app.js';

/**
 * The thin node:http host of an App: IncomingMessage → Request, Response → ServerResponse, streaming bodies with
 * backpressure. A client that goes away cancels the response body (which stops, e.g., a recording remux).
 */
export interface Listening {
  /** `http://host:port` as bound (the port the OS chose for port 0). */
  url: string;
  close(): Promise<void>;
}

export function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', 'http://serve.invalid'), {
    method: req.method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
}

export async function writeResponse(res: Response, out: ServerResponse): Promise<void> {
  out.writeHead(res.status, Object.fromEntries(res.headers));
  if (!res.body) {
    out.end();
    return;
  }
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  out.once('close', () => body.destroy());
  body.on('error', (err) => {
    log.debug({ err: err.message }, 'response body ended early');
    out.destroy();
  });
  body.pipe(out);
}

/** Listens on host:port until `close()`. */
export function listen(app: App, host: string, port: number): Promise<Listening> {
  const server = createServer((req, res) => {
    app
      .handle(toRequest(req))
      .then((response) => writeResponse(response, res))
      .catch((err: Error) => {
        log.error({ err: err.message }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
