import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { UserError } from '../errors.js';
import { DigestStream, openSource, type Digest } from './digest.js';
import {
  assertKey, assertRange, classifyError, IntegrityError, NotFoundError, type ByteRange, type ObjectEntry,
  type ObjectStat, type PutOptions, type PutResult, type PutSource, type Storage, type StorageErrorClass,
} from './types.js';

export interface S3StorageOptions {
  region: string;
  /** An S3-compatible server, e.g. `http://127.0.0.1:9000`; AWS when absent. */
  endpoint?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (most S3-compatible servers want this). */
  forcePathStyle?: boolean;
  /**
   * The SDK's flexible checksums (requestChecksumCalculation / responseChecksumValidation):
   * `when_supported` (SDK default) or `when_required` for servers that reject the aws-chunked
   * bodies with trailing CRC32 the SDK sends otherwise. Integrity is verified by put either way.
   */
  checksums: 'when_supported' | 'when_required';
  /** Multipart part size in bytes (≥ 5 MiB); objects up to this size go in one PutObject. Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded at once (memory: partSize × queueSize). Default 4. */
  queueSize?: number;
  /** ListObjectsV2 page size (1..1000). Default 1000. */
  listPageSize?: number;
  /**
   * Server-side encryption asked for on every write (`storage.sse`). `none` or absent (the default): no SSE header
   * is sent, so the bucket's own default encryption applies (SSE-S3, or the bucket's KMS key: the shipped Terraform
   * sets it). `sseKmsKeyId` names the key for `aws:kms` (default: the account's aws/s3 key).
   */
  sse?: 'none' | 'AES256' | 'aws:kms';
  sseKmsKeyId?: string;
  /** Called once with the new client, e.g. to add SDK middleware (tests use it for test-server quirks). */
  configureClient?: (client: S3Client) => void;
}

/** Parses `s3://bucket` or `s3://bucket/prefix` (no trailing slash needed); UserError otherwise. */
export function s3LocationFromUrl(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new UserError(`storage url ${url}: use s3://bucket or s3://bucket/prefix`);
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix) assertKey(prefix);
  return { bucket: m[1]!, prefix };
}

/**
 * Storage in an S3 bucket under an optional prefix. Credentials come from the standard AWS chain
 * (env, profile, SSO, instance role). Objects are written with the bucket's default encryption (or the `sse`
 * asked for), the given content type
 * and metadata: up to partSize in one PutObject from memory (the source read once, hashed once for
 * SHA-256 and once for MD5; the request carries both digests, `x-amz-content-sha256` and
 * `Content-MD5`, so the store itself rejects a body that arrives altered), above it with lib-storage's
 * multipart Upload streamed through a DigestStream (aborted on failure so nothing partial is committed).
 *
 * Put verification: a HeadObject must report the size sent, the `sha256` metadata when one was
 * asked for, and an ETag equal to the MD5 of the data (single part) or to the multipart ETag
 * (`md5(part md5s)-N`) computed while sending. Any other ETag (SSE-KMS, servers with their own
 * ETag scheme) leads to reading the object back and comparing its SHA-256. A single PutObject
 * without metadata to check is verified by the ETag of its answer alone (the store's MD5 of the
 * bytes it stored, equal to ours), without the HeadObject.
 */
export class S3Storage implements Storage {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number;
  /** The SSE parameters of every write (none: the bucket's default encryption). */
  private readonly sse: { ServerSideEncryption?: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string };

  constructor(url: string, options: S3StorageOptions) {
    ({ bucket: this.bucket, prefix: this.prefix } = s3LocationFromUrl(url));
    this.url = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    const checksum = options.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      requestChecksumCalculation: checksum,
      responseChecksumValidation: checksum,
    });
    options.configureClient?.(this.client);
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    this.listPageSize = options.listPageSize ?? 1000;
    this.sse = options.sse && options.sse !== 'none'
      ? { ServerSideEncryption: options.sse, ...(options.sse === 'aws:kms' && options.sseKmsKeyId ? { SSEKMSKeyId: options.sseKmsKeyId } : {}) }
      : {};
  }

  async put(key: string, source: PutSource, opts: PutOptions): Promise<PutResult> {
    const Key = this.objectKey(key);
    const small = await this.smallSource(source);
    if (small) return this.putSmall(key, Key, small, opts);
    // Multipart: the metadata goes out before the data, so a sha256 to record is computed with an extra read.
    const expectSha256 = opts.sha256 ?? (opts.sha256Metadata && 'path' in source ? await sha256OfFile(source.path) : undefined);
    const digest = new DigestStream({ partSize: this.partSize, expectSha256 });
    pipeline(openSource(source), digest, () => {}); // errors reach the Upload through `digest`
    const metadata = { ...opts.metadata, ...(expectSha256 ? { sha256: expectSha256.toLowerCase() } : {}) };
    await new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key,
        Body: digest,
        ContentType: opts.contentType,
        Metadata: metadata,
        ...this.sse,
      },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    })
      .done()
      .catch((err: unknown) => {
        const cause = digest.errored ?? err; // the source's own failure, not the abort that followed it
        digest.destroy(); // closes the source file
        throw cause;
      });
    return this.verified(key, digest.digest(), metadata.sha256);
  }

  /** The whole source in memory when it fits in one part (≤ partSize), else undefined (it is then streamed). */
  private async smallSource(source: PutSource): Promise<Buffer | undefined> {
    if ('body' in source) return source.body.length <= this.partSize ? source.body : undefined;
    const handle = await open(source.path, 'r');
    try {
      if ((await handle.stat()).size > this.partSize) return undefined;
      const data = await handle.readFile();
      return data.length <= this.partSize ? data : undefined; // grew meanwhile: stream it
    } finally {
      await handle.close();
    }
  }

  /** One PutObject of `data`, with its SHA-256 and MD5 in the request (hashed here, once each), then verified. */
  private async putSmall(key: string, Key: string, data: Buffer, opts: PutOptions): Promise<PutResult> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (opts.sha256 !== undefined && opts.sha256.toLowerCase() !== sha256) {
      throw new IntegrityError(`source data has sha256 ${sha256}, expected ${opts.sha256}`, false);
    }
    const md5 = createHash('md5').update(data).digest();
    const metadata = { ...opts.metadata, ...(opts.sha256 || opts.sha256Metadata ? { sha256 } : {}) };
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key,
      Body: data,
      ContentLength: data.length,
      ContentMD5: md5.toString('base64'),
      ContentType: opts.contentType,
      Metadata: metadata,
      ...this.sse,
    });
    // The signer takes the payload hash from this header instead of hashing the body again; S3 checks it on arrival.
    command.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
        return next(args);
      },
      { step: 'build', name: 'cctvPayloadSha256' },
    );
    const out = await this.client.send(command).catch((err: unknown) => {
      const name = (err as Error | null)?.name;
      if (name === 'BadDigest' || name === 'InvalidDigest' || name === 'XAmzContentSHA256Mismatch') {
        throw new IntegrityError(`${this.urlFor(key)}: the store received other data than was sent (${name}); nothing was stored`, true);
      }
      throw err;
    });
    const sent: Digest = { bytes: data.length, sha256, md5: md5.toString('hex') };
    // The answer's ETag is the store's own MD5 of what it stored: when it is ours, a HeadObject adds nothing unless
    // there is metadata to check.
    if (metadata.sha256 === undefined && (out.ETag ?? '').replace(/"/g, '').toLowerCase() === sent.md5) {
      return { url: this.urlFor(key), bytes: sent.bytes, sha256 };
    }
    return this.verified(key, sent, metadata.sha256);
  }

  /** The put's result once the stored object is checked against what was sent; else it is removed (IntegrityError). */
  private async verified(key: string, sent: Digest, sha256Meta: string | undefined): Promise<PutResult> {
    const problem = await this.checkStored(key, sent, sha256Meta);
    if (problem) {
      await this.remove(key);
      throw new IntegrityError(`${this.urlFor(key)}: ${problem}; the object was removed`, true);
    }
    return { url: this.urlFor(key), bytes: sent.bytes, sha256: sent.sha256 };
  }

  /** Why the stored object is not `sent`, or undefined when it is. */
  private async checkStored(key: string, sent: Digest, sha256Meta: string | undefined): Promise<string | undefined> {
    const head = await this.head(key);
    if (head.bytes !== sent.bytes) return `store holds ${head.bytes} bytes, ${sent.bytes} were sent`;
    if (sha256Meta !== undefined && head.metadata.sha256 !== sha256Meta) return 'store lost the sha256 metadata';
    const etag = head.etag.replace(/"/g, '').toLowerCase();
    if (etag === sent.md5 || etag === sent.multipartEtag) return undefined;
    const hash = createHash('sha256');
    await pipelineAsync(await this.get(key), hash);
    const stored = hash.digest('hex');
    return stored === sent.sha256 ? undefined : `store holds data with sha256 ${stored}, ${sent.sha256} was sent`;
  }

  async get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    if (range) assertRange(range, key);
    const out = await this.client
      .send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      )
      .catch((err: unknown) => {
        if (statusOf(err) === 416) throw new RangeError(`range ${range?.start}-${range?.end ?? ''} is not satisfiable for ${key}`);
        return rethrowMissing(err, key);
      });
    return out.Body as NodeJS.ReadableStream;
  }

  async stat(key: string): Promise<ObjectStat> {
    const { etag: _etag, ...stat } = await this.head(key);
    return stat;
  }

  private async head(key: string): Promise<ObjectStat & { etag: string }> {
    const head = await this.client
      .send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }))
      .catch((err: unknown) => rethrowMissing(err, key));
    return {
      bytes: head.ContentLength ?? 0,
      modified: head.LastModified ?? new Date(0),
      contentType: head.ContentType,
      metadata: head.Metadata ?? {},
      etag: head.ETag ?? '',
    };
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: base + prefix,
          MaxKeys: this.listPageSize,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) {
        yield { key: o.Key!.slice(base.length), bytes: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  urlFor(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  keyFromUrl(url: string): string {
    const base = `${this.url}/`;
    if (!url.startsWith(base)) throw new UserError(`${url} is not inside storage ${this.url}`);
    const key = url.slice(base.length);
    assertKey(key);
    return key;
  }

  async presign(key: string, seconds: number, opts: { downloadAs?: string } = {}): Promise<string> {
    // The SDK's presigner uses the client's endpoint, path style and credentials as configured.
    const disposition = opts.downloadAs === undefined ? {} : { ResponseContentDisposition: attachment(opts.downloadAs) };
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), ...disposition }), {
      expiresIn: seconds,
    });
  }

  async setTags(key: string, tags: Record<string, string>): Promise<void> {
    await this.client
      .send(
        new PutObjectTaggingCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      )
      .catch((err: unknown) => rethrowMissing(err, key));
  }

  /** The shared rules, then the AWS SDK's errors: throttling, 5xx, 429 and what the SDK flags transient are retryable; a 404 is not-found. */
  classify(err: unknown): StorageErrorClass {
    return classifyError(err, sdkErrorClass);
  }

  private objectKey(key: string): string {
    assertKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipelineAsync(createReadStream(file), hash);
  return hash.digest('hex');
}

const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalError',
]);

/** What an AWS SDK error says about retrying; undefined for errors that are not the SDK's. */
function sdkErrorClass(err: Error): StorageErrorClass | undefined {
  const status = statusOf(err);
  if ((status !== undefined && status >= 500) || status === 429 || (err as { $retryable?: unknown }).$retryable) return 'retryable';
  if (TRANSIENT_NAMES.has(err.name)) return 'retryable';
  if (err.name === 'NoSuchKey' || err.name === 'NotFound' || status === 404) return 'not-found';
  return undefined;
}

/** The HTTP status an SDK error carries, if any. */
function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function rethrowMissing(err: unknown, key: string): never {
  const name = (err as Error | null)?.name;
  if (name === 'NoSuchBucket') throw new UserError(`storage bucket does not exist (looking for ${key})`);
  if (name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404) throw new NotFoundError(key);
  throw err;
}

/** `Content-Disposition: attachment` for a file name; anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function attachment(name: string): string {
  return `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`;
}
