import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { IntegrityError, type PutSource } from './types.js';

/** What DigestStream saw, available once the stream has ended. */
export interface Digest {
  bytes: number;
  sha256: string;
  /** Hex MD5 of the whole data; only with `partSize`. */
  md5?: string;
  /** The S3 multipart ETag the data gives when uploaded in parts of `partSize` (`<md5 of part md5s>-N`); only with `partSize`. */
  multipartEtag?: string;
}

/**
 * A pass-through stream that hashes what flows through it, so a put reads its source once and the
 * digest describes exactly the bytes sent. With `expectSha256`, the stream fails with a
 * non-retryable IntegrityError at its end when the data does not match, before the consumer sees
 * the end: an upload fed by it is then abandoned instead of committed.
 */
export class DigestStream extends Transform {
  private readonly partSize: number | undefined;
  private readonly expectSha256: string | undefined;
  private readonly sha = createHash('sha256');
  private readonly md5: Hash | undefined;
  private readonly partMd5s: Buffer[] = [];
  private part: Hash | undefined;
  private partBytes = 0;
  private bytes = 0;
  private result: Digest | undefined;

  constructor(opts: { partSize?: number; expectSha256?: string } = {}) {
    super();
    this.partSize = opts.partSize;
    this.expectSha256 = opts.expectSha256;
    this.md5 = opts.partSize ? createHash('md5') : undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.sha.update(chunk);
    if (this.md5 && this.partSize) {
      this.md5.update(chunk);
      for (let at = 0; at < chunk.length; ) {
        const take = Math.min(this.partSize - this.partBytes, chunk.length - at);
        (this.part ??= createHash('md5')).update(chunk.subarray(at, at + take));
        this.partBytes += take;
        at += take;
        if (this.partBytes === this.partSize) this.closePart();
      }
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.part) this.closePart();
    const sha256 = this.sha.digest('hex');
    const expected = this.expectSha256;
    if (expected !== undefined && expected.toLowerCase() !== sha256) {
      done(new IntegrityError(`source data has sha256 ${sha256}, expected ${expected}`, false));
      return;
    }
    this.result = { bytes: this.bytes, sha256 };
    if (this.md5) {
      this.result.md5 = this.md5.digest('hex');
      const n = Math.max(this.partMd5s.length, 1);
      this.result.multipartEtag = `${createHash('md5').update(Buffer.concat(this.partMd5s)).digest('hex')}-${n}`;
    }
    done();
  }

  /** The digest; throws when called before the stream has been fully consumed. */
  digest(): Digest {
    if (!this.result) throw new Error('DigestStream.digest() called before the end of the data');
    return this.result;
  }

  private closePart(): void {
    this.partMd5s.push(this.part!.digest());
    this.part = undefined;
    this.partBytes = 0;
  }
}

/** A fresh stream of a put source (each call reads it again, which is what lets a put be retried). */
export function openSource(source: PutSource): Readable {
  return 'path' in source ? createReadStream(source.path) : Readable.from([source.body]);
}
