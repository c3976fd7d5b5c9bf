import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError, openStorage, withRetry, type StorageOptions } from '../../src/lib/storage/index.js';
import { fixS3rverClient, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { rcloneEnv } from '../upload/fixtures.js';
import { describeStorage, readAll, sha256 } from './conformance.js';

const run = promisify(execFile);

/** S3 storage options for the test server (5 MiB parts so 12 MiB goes multipart). */
function optionsFor(server: S3TestServer, endpoint = server.endpoint): StorageOptions {
  return {
    region: server.region,
    endpoint,
    forcePathStyle: true,
    checksums: 'when_supported',
    partSize: 5 * 1024 * 1024,
    configureClient: fixS3rverClient,
  };
}

describeStorage('s3 (s3rver)', async ({ listPageSize }) => {
  const server = await startS3Server();
  return {
    storage: openStorage(`s3://${server.bucket}/archive`, { ...optionsFor(server), listPageSize }),
    teardown: () => server.stop(),
  };
});

describe('S3 storage against s3rver', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(() => server?.stop());

  const storage = (over: StorageOptions = {}) => openStorage(`s3://${server.bucket}/x`, { ...optionsFor(server), ...over });

  it('stores what an independent client (rclone) lists and hashes the same', async () => {
    const body = randomBytes(300_000);
    const res = await storage().put('clips/front/e1.mp4', { body }, { contentType: 'video/mp4' });
    expect(res.url).toBe(`s3://${server.bucket}/x/clips/front/e1.mp4`);
    const env = rcloneEnv(server);
    const remote = `:s3:${server.bucket}/x/clips`;
    const ls = await run('rclone', ['lsjson', '-R', '--files-only', remote], { env });
    expect((JSON.parse(ls.stdout) as { Path: string; Size: number }[]).map((e) => [e.Path, e.Size])).toEqual([['front/e1.mp4', body.length]]);
    const sums = await run('rclone', ['hashsum', 'sha256', '--download', remote], { env });
    expect(sums.stdout.trim()).toBe(`${res.sha256}  front/e1.mp4`);
    expect(res.sha256).toBe(sha256(body));
  });

  it('works with checksums: when_required too', async () => {
    const body = randomBytes(64 * 1024);
    const s = storage({ checksums: 'when_required' });
    await s.put('req/a', { body }, { contentType: 'application/octet-stream' });
    expect(sha256(await readAll(await s.get('req/a')))).toBe(sha256(body));
  });

  it('detects data corrupted on the way to the store, and removes the object', async () => {
    const proxy = await corruptingProxy(server.endpoint);
    try {
      for (const size of [1000, 6 * 1024 * 1024]) {
        const err = await storage(optionsFor(server, proxy.endpoint))
          .put(`bad/${size}`, { body: randomBytes(size) }, { contentType: 'video/mp4' })
          .catch((e: unknown) => e);
        expect(err, `${size} bytes`).toBeInstanceOf(IntegrityError);
        expect((err as IntegrityError).retryable).toBe(true);
        await expect(storage().stat(`bad/${size}`)).rejects.toBeInstanceOf(NotFoundError);
      }
      expect(proxy.corrupted()).toBeGreaterThanOrEqual(3); // one single put, two parts
    } finally {
      await proxy.close();
    }
  });

  it('sets tags (read back with the SDK)', async () => {
    const s = storage();
    await s.put('tagged/a', { body: Buffer.from('a') }, { contentType: 'text/plain' });
    await s.setTags('tagged/a', { retention: 'event', camera: 'front' });
    const client = new S3Client({ region: server.region, endpoint: server.endpoint, forcePathStyle: true });
    fixS3rverClient(client);
    const out = await client.send(new GetObjectTaggingCommand({ Bucket: server.bucket, Key: 'x/tagged/a' }));
    expect(Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({ retention: 'event', camera: 'front' });
  });

  it('presigns a GET URL that works without credentials and fails when tampered with', async () => {
    const s = storage();
    await s.put('pre/a b.mp4', { body: Buffer.from('signed bytes') }, { contentType: 'video/mp4' });
    const url = (await s.presign('pre/a b.mp4', 60))!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('signed bytes');
    const bad = await fetch(url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`));
    expect(bad.status).toBe(403);
    // A download link: the store answers with Content-Disposition: attachment (the web app's "Download" on S3).
    const dl = await fetch((await s.presign('pre/a b.mp4', 60, { downloadAs: 'front-2024-05-01T12:00:00Z.mp4' }))!);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe('attachment; filename="front-2024-05-01T12_00_00Z.mp4"');
  });

  it('asks for no server-side encryption by default (the bucket default applies, its KMS key too); AES256 or aws:kms with a key when configured', async () => {
    const sent: (string | undefined)[][] = [];
    const recording = (client: S3Client) => {
      fixS3rverClient(client);
      client.middlewareStack.add((next) => (args) => {
        const r = args.request as { method?: string; headers?: Record<string, string> };
        if (r.method === 'PUT' || r.method === 'POST') sent.push([r.headers?.['x-amz-server-side-encryption'], r.headers?.['x-amz-server-side-encryption-aws-kms-key-id']]);
        return next(args);
      }, { step: 'finalizeRequest', name: 'recordSse' });
    };
    const big = randomBytes(6 * 1024 * 1024); // multipart (5 MiB parts): the SSE header goes on CreateMultipartUpload
    for (const [sse, want] of [
      [undefined, [undefined, undefined]],
      [{ sse: 'none' as const }, [undefined, undefined]],
      [{ sse: 'AES256' as const }, ['AES256', undefined]],
      [{ sse: 'aws:kms' as const, sseKmsKeyId: 'alias/cctv' }, ['aws:kms', 'alias/cctv']],
    ] as const) {
      sent.length = 0;
      const s = storage({ configureClient: recording, ...sse });
      await s.put('sse/small', { body: randomBytes(1000) }, { contentType: 'video/mp4' });
      await s.put('sse/big', { body: big }, { contentType: 'video/mp4' });
      expect(sent.length).toBeGreaterThanOrEqual(4); // PutObject, CreateMultipartUpload, the parts, the completion
      expect(sent[0]).toEqual(want); // the single PutObject
      if (want[0] === undefined) expect(sent.every((h) => h[0] === undefined && h[1] === undefined)).toBe(true);
      else expect(sent.filter((h) => h[0] === want[0]).length).toBe(2); // PutObject and CreateMultipartUpload, not the parts
    }
  });

  it('survives an outage through withRetry, and gives up on errors that retrying cannot fix', async () => {
    // Full jitter: 30 retries capped at 1 s wait about 15 s in all (far beyond the 1.5 s outage on any machine).
    const s = withRetry(storage(), { retries: 30, baseDelayMs: 100, maxDelayMs: 1000 });
    await server.pause();
    const body = randomBytes(10_000);
    const put = s.put('outage/a', { body }, { contentType: 'video/mp4' });
    await new Promise((r) => setTimeout(r, 1500));
    await server.resume();
    expect((await put).sha256).toBe(sha256(body));
    expect(sha256(await readAll(await s.get('outage/a')))).toBe(sha256(body));

    const started = Date.now();
    await expect(s.stat('outage/missing')).rejects.toBeInstanceOf(NotFoundError);
    const wrongKey = openStorage(`s3://${server.bucket}/x`, { ...optionsFor(server) });
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong';
    try {
      const denied = await withRetry(wrongKey, { retries: 10, baseDelayMs: 1000, maxDelayMs: 1000 })
        .stat('outage/a')
        .catch((e: unknown) => e);
      expect((denied as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = server.env.AWS_SECRET_ACCESS_KEY;
    }
    expect(Date.now() - started).toBeLessThan(1000); // no retry delay spent on either
  });
});

/** An HTTP proxy to the store that flips the first byte of every PUT body (a faulty middlebox). */
async function corruptingProxy(target: string): Promise<{ endpoint: string; corrupted(): number; close(): Promise<void> }> {
  const to = new URL(target);
  let corrupted = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'PUT' && body.length > 0 && !req.url?.includes('tagging')) {
        body[0] = body[0]! ^ 0xff;
        corrupted++;
      }
      const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', (err) => res.destroy(err));
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    corrupted: () => corrupted,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
