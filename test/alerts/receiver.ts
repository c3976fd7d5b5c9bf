import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP webhook receiver on loopback: records each request; answers `status` (mutable). */
export interface Receiver {
  url: string;
  requests: { at: number; headers: IncomingHttpHeaders; body: Record<string, unknown> }[];
  status: number;
  close(): Promise<void>;
}

export async function startReceiver(status = 200): Promise<Receiver> {
  const state: Receiver = {
    url: '',
    requests: [],
    status,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests.push({ at: Date.now(), headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(state.status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
