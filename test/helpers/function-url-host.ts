import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../src/lib/serve/function-url.js';

/**
 * Test helpers for the hosted app: what stands between a browser and the web Lambda, emulated on loopback.
 *
 * `startFunctionUrlHost` is CloudFront + Origin Access Control + a function URL, as AWS documents them: each HTTPS
 * request becomes a payload-2.0 event as the function URL delivers it (its own Host, `X-Forwarded-For` "viewer, edge",
 * OAC's SigV4 `Authorization`, cookies in `cookies`), given to the handler in-process; a POST or PUT whose
 * `x-amz-content-sha256` is not the body's sha256 is refused 403 as the function URL refuses it behind OAC. It is a
 * TEST HELPER: real CloudFront, OAC and Lambda were not run here.
 */

export const EDGE_IP = '130.176.0.1';
export const LAMBDA_URL_HOST = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-2.on.aws';

export interface Tls {
  cert: Buffer;
  key: Buffer;
}

/** A self-signed certificate for 127.0.0.1 (openssl), for HTTPS on loopback. */
export function selfSignedCert(): Tls {
  const dir = mkdtempSync(path.join(tmpdir(), 'cctv-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=cctv-hosted-test',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { cert: readFileSync(path.join(dir, 'cert.pem')), key: readFileSync(path.join(dir, 'key.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** The event a function URL behind CloudFront + OAC delivers for this viewer request. */
export function functionUrlEvent(r: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: Buffer; viewerIp: string }): FunctionUrlEvent {
  const u = new URL(r.url, 'https://viewer.invalid');
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [k, v] of Object.entries(r.headers)) {
    if (v === undefined) continue;
    const value = Array.isArray(v) ? v.join(',') : v;
    if (k === 'cookie') cookies = value.split(/;\s*/).filter(Boolean);
    else if (k !== 'host' && k !== 'connection' && k !== 'authorization') headers[k] = value;
  }
  const viewerFor = headers['x-forwarded-for'];
  Object.assign(headers, {
    host: LAMBDA_URL_HOST,
    'x-forwarded-for': `${viewerFor ? `${viewerFor}, ` : ''}${r.viewerIp}, ${EDGE_IP}`,
    'x-forwarded-proto': 'https',
    'x-forwarded-port': '443',
    via: '2.0 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)',
    'x-amz-cf-id': 'test-cf-id',
    'x-amz-date': '20261202T000000Z',
    'x-amz-content-sha256': headers['x-amz-content-sha256'] ?? EMPTY_SHA256,
    authorization: 'AWS4-HMAC-SHA256 Credential=ASIATESTTESTTEST/20261202/eu-west-2/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
  });
  const hasBody = r.body.length > 0;
  return {
    version: '2.0',
    rawPath: u.pathname,
    rawQueryString: u.search.slice(1),
    ...(cookies ? { cookies } : {}),
    headers,
    requestContext: { domainName: LAMBDA_URL_HOST, http: { method: r.method, sourceIp: EDGE_IP, protocol: 'HTTP/1.1' } },
    ...(hasBody ? { body: r.body.toString('base64') } : {}),
    isBase64Encoded: hasBody,
  };
}

function closeServer(server: { close(cb: () => void): unknown; closeAllConnections(): void }): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function writeResult(result: FunctionUrlResult, res: ServerResponse): void {
  const head: Record<string, string | string[]> = { ...result.headers };
  if (result.cookies.length) head['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode, head);
  res.end(Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

export async function startFunctionUrlHost(handler: (e: FunctionUrlEvent) => Promise<FunctionUrlResult>, tls: Tls): Promise<{ url: string; events: FunctionUrlEvent[]; close(): Promise<void> }> {
  const events: FunctionUrlEvent[] = [];
  const server = createServer(tls, (req, res) => {
    (async () => {
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      if ((method === 'POST' || method === 'PUT') && req.headers['x-amz-content-sha256'] !== createHash('sha256').update(body).digest('hex')) {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"Message":"The request signature we calculated does not match the signature you provided."}');
        return;
      }
      const event = functionUrlEvent({ method, url: req.url ?? '/', headers: req.headers, body, viewerIp: req.socket.remoteAddress ?? '127.0.0.1' });
      events.push(event);
      writeResult(await handler(event), res);
    })().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`function error: ${err.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    close: () => closeServer(server),
  };
}

/**
 * A loopback stand-in for SSM's GetParameter (the JSON protocol the SDK speaks: `X-Amz-Target: AmazonSSM.GetParameter`),
 * serving `parameters`. A TEST HELPER, not SSM.
 */
export async function startSsmStub(parameters: Map<string, string>): Promise<{ endpoint: string; asked: string[]; close(): Promise<void> }> {
  const asked: string[] = [];
  const server = createHttpServer((req, res) => {
    readBody(req).then((body) => {
      const target = req.headers['x-amz-target'];
      const { Name } = JSON.parse(body.toString() || '{}') as { Name?: string };
      asked.push(`${target} ${Name}`);
      const value = Name === undefined ? undefined : parameters.get(Name);
      if (target !== 'AmazonSSM.GetParameter' || value === undefined) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'ParameterNotFound', message: `${Name}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Parameter: { Name, Type: 'String', Value: value, Version: 1 } }));
    }, () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    close: () => closeServer(server),
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** An HTTPS request to a loopback server with a self-signed certificate (Node's fetch would refuse it). */
export function send(url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: o.method ?? 'GET', headers: o.headers, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
