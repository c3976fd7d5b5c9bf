import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeResponse } from '../../src/lib/serve/node.js';

/** The node:http host's answer streaming: a client that goes away cancels the body, whenever it goes. */
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((res) => server?.close(res) ?? res(undefined));
  server = undefined;
});

/** A body that never ends by itself, and says when it is cancelled. */
function endless(): { body: ReadableStream<Uint8Array>; cancelled: Promise<void> } {
  let onCancel!: () => void;
  let over = false;
  const cancelled = new Promise<void>((res) => (onCancel = res));
  const body = new ReadableStream<Uint8Array>({
    pull: (c) => new Promise((res) => setTimeout(() => res(over ? undefined : c.enqueue(new Uint8Array(1024))), 10)),
    cancel: () => {
      over = true;
      onCancel();
    },
  });
  return { body, cancelled };
}

/** A server answering with `answer`; resolves with its port. */
async function listen(answer: (res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage) => void): Promise<number> {
  server = createServer((req, res) => answer(res, req));
  await new Promise<void>((res) => server!.listen(0, '127.0.0.1', res));
  return (server.address() as AddressInfo).port;
}

describe('writeResponse', () => {
  it('a client that goes away while the body streams cancels it', async () => {
    const { body, cancelled } = endless();
    const port = await listen((res) => void writeResponse(new Response(body), res));
    const req = request({ port, host: '127.0.0.1', path: '/' });
    req.on('error', () => {});
    req.on('response', (r) => r.once('data', () => req.destroy()));
    req.end();
    await cancelled;
  });

  it('a client gone before the answer was ready cancels the body as soon as it is answered (a remux must not run on for nobody)', async () => {
    const { body, cancelled } = endless();
    let gone!: () => void;
    const clientGone = new Promise<void>((res) => (gone = res));
    const port = await listen((res, req) => {
      req.socket.once('close', () => {
        gone();
        // The handler finishes its slow work (a probe, a catalog read) after the client left.
        setTimeout(() => void writeResponse(new Response(body), res), 20);
      });
    });
    const req = request({ port, host: '127.0.0.1', path: '/' });
    req.on('error', () => {});
    req.end(() => setTimeout(() => req.destroy(), 50));
    await clientGone;
    await cancelled;
  });
});
