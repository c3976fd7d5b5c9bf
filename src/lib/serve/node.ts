import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { errorMessage, UserError } from '../errors.js';
import { log } from '../log.js';
import type { App } from './app.js';

/**
 * The thin node:http (or node:https) host of an App: IncomingMessage → Request plus what only the socket knows (peer
 * address, TLS, HTTP version), Response → ServerResponse, streaming bodies with backpressure. A client that goes away
 * cancels the response body (which stops, e.g., a recording remux). With `tls`, the certificate and key files are
 * read again on SIGHUP (a renewed certificate without a restart; a file that fails to load keeps the old one).
 */
export interface Listening {
  /** `http(s)://host:port` as bound (the port the OS chose for port 0). */
  url: string;
  close(): Promise<void>;
}

/** `serve.tls`: PEM files. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** `signal`: aborted when the client goes away before its answer was sent (its Request's `signal`). */
export function toRequest(req: IncomingMessage, secure = false, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', secure ? 'https://serve.invalid' : 'http://serve.invalid'), {
    method: req.method,
    headers,
    ...(signal ? { signal } : {}),
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
}

export async function writeResponse(res: Response, out: ServerResponse): Promise<void> {
  const head: Record<string, string | string[]> = {};
  res.headers.forEach((v, k) => {
    if (k !== 'set-cookie') head[k] = v;
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) head['set-cookie'] = cookies; // one header line each: joined they would mean nothing
  out.writeHead(res.status, head);
  if (!res.body) {
    out.end();
    return;
  }
  // pipeline, not pipe: a client gone before the answer was ready (its 'close' already past) must cancel the body too,
  // else a remux stays running and holds its serve.limits place for good.
  pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), out, (err) => {
    if (err) log.debug({ err: err.message }, 'response body ended early');
  });
}

function readTls(tls: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (key: keyof TlsFiles) => {
    try {
      return readFileSync(tls[key]);
    } catch (err) {
      throw new UserError(`serve.tls.${key}: cannot read ${tls[key]}: ${errorMessage(err)}`);
    }
  };
  return { cert: read('cert'), key: read('key') };
}

/** Listens on host:port (HTTPS with `tls`) until `close()`. */
export function listen(app: App, host: string, port: number, tls?: TlsFiles): Promise<Listening> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const gone = new AbortController();
    res.once('close', () => !res.writableFinished && gone.abort());
    app
      .handle(toRequest(req, tls !== undefined, gone.signal), { remoteAddress: req.socket.remoteAddress ?? 'unknown', secure: tls !== undefined, httpVersion: req.httpVersion })
      .then((response) => writeResponse(response, res))
      .catch((err: Error) => {
        log.error({ err: err.message }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  };
  let server: Server;
  let reload: (() => void) | undefined;
  if (tls) {
    let files: { cert: Buffer; key: Buffer };
    try {
      files = readTls(tls);
      const tlsServer = createTlsServer(files, onRequest);
      server = tlsServer;
      reload = () => {
        try {
          tlsServer.setSecureContext(readTls(tls));
          log.info('SIGHUP: TLS certificate and key loaded again');
        } catch (err) {
          log.warn({ err: errorMessage(err) }, 'SIGHUP: TLS certificate or key not loaded; the previous ones stay');
        }
      };
      process.on('SIGHUP', reload);
    } catch (err) {
      // A key that does not match the certificate, or a file that is not PEM: the user's to fix.
      return Promise.reject(err instanceof UserError ? err : new UserError(`serve.tls: ${errorMessage(err)} (check that cert and key are PEM files of one pair)`));
    }
  } else server = createServer(onRequest);
  // Longer than clients keep an idle connection (undici 4 s, browsers about 60 s), so the client always closes first:
  // a server closing at the same moment a client reuses the connection makes that request fail (ECONNRESET), which
  // happened whenever the detector held the event loop of `cctv run` or `cctv demo` for seconds. close() still ends
  // idle connections at once.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err) => {
      if (reload) process.off('SIGHUP', reload);
      reject(err);
    });
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `${tls ? 'https' : 'http'}://${shown}:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            if (reload) process.off('SIGHUP', reload);
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
