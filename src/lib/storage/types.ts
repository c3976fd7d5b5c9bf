import { UserError } from '../errors.js';

/**
 * Where stored clips live: one small interface, implemented by file.ts and s3.ts and by wrappers
 * (retry.ts) that add behaviour without flags. Every backend passes the same conformance suite
 * (test/storage/conformance.ts).
 *
 * Keys are `/`-separated relative paths such as `clips/front/2024/05/01/evt.mp4` (see assertKey).
 */
export interface Storage {
  /** The URL this storage was opened with, normalised (`s3://bucket/prefix`, `file:///abs/root`). */
  readonly url: string;

  /**
   * Stores the whole source under `key`, replacing any existing object (keys are deterministic, so a
   * retry never duplicates). The source is a path or a buffer, never a one-shot stream, so a wrapper
   * can retry a put. The data is read once: its SHA-256 is computed on the bytes as they are sent.
   *
   * Integrity: the put resolves only once the stored object is known to hold exactly those bytes:
   * its size as reported by the store matches, and a content digest reported by the store (S3 ETag
   * as MD5) matches, or else the object is read back and its SHA-256 compared. When the store holds
   * anything else, the object is removed and the put rejects with IntegrityError (retryable).
   *
   * When `opts.sha256` is given, it is the expected digest of the source: it is stored as metadata
   * `sha256`, and a source that does not hash to it rejects with IntegrityError (not retryable)
   * without anything being stored or overwritten.
   *
   * Writes are atomic: a reader sees the old object or the complete new one, never a partial one.
   */
  put(key: string, source: PutSource, opts: PutOptions): Promise<PutResult>;

  /**
   * A stream of the object's bytes, or of `range` (inclusive offsets, as in HTTP; `end` defaults
   * to the last byte and is clamped to it). Rejects with NotFoundError when the key is missing and
   * with RangeError when `range.start` is not inside the object.
   */
  get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;

  /** Size, modification time, content type and user metadata; NotFoundError when missing. */
  stat(key: string): Promise<ObjectStat>;

  /**
   * Every object whose key starts with `prefix` (a plain string prefix, not a folder: `clips/fr`
   * matches `clips/front/...`), fetched page by page. Order is unspecified.
   */
  list(prefix: string): AsyncIterable<ObjectEntry>;

  /** Deletes the object; deleting a missing key succeeds (idempotent). */
  remove(key: string): Promise<void>;

  /** The public URL of a key, as written in `uploaded` records: `s3://bucket/prefix/key`, `file:///abs/key`. */
  urlFor(key: string): string;

  /** The inverse of urlFor; UserError when the URL does not belong to this storage. */
  keyFromUrl(url: string): string;

  /**
   * A short-lived http(s) URL that lets a browser GET the object without credentials, valid for
   * `seconds`; `null` when the backend has no such thing (file storage: serve it yourself). With
   * `downloadAs`, the response asks the browser to save it under that file name (Content-Disposition: attachment).
   */
  presign(key: string, seconds: number, opts?: { downloadAs?: string }): Promise<string | null>;

  /**
   * Replaces the object's tags (used by lifecycle rules, e.g. `retention=event`). File storage has no
   * tags: it accepts the call and does nothing, so callers need not care which backend they have.
   * NotFoundError when the key is missing.
   */
  setTags(key: string, tags: Record<string, string>): Promise<void>;

  /**
   * What a failure of this storage means for the caller (restic's backends answer the same): `not-found` (the key
   * names no object: NotFoundError), `retryable` (the store or the network had a moment: throttling, 5xx, a dropped
   * connection, the store holding other bytes than were sent) or `permanent` (retrying cannot help: a bad key or
   * range, refused credentials, a source that is not what the caller expected). Any error may be asked about; one
   * the backend does not know (a bug, another component's failure) is permanent.
   */
  classify(err: unknown): StorageErrorClass;
}

export type StorageErrorClass = 'not-found' | 'permanent' | 'retryable';

export type PutSource = { path: string } | { body: Buffer };

export interface PutOptions {
  contentType: string;
  /** User metadata (S3 `x-amz-meta-*`): short ASCII keys and values, e.g. camera, start, end. */
  metadata?: Record<string, string>;
  /** Expected SHA-256 (hex) of the source; stored as metadata `sha256`. See Storage.put. */
  sha256?: string;
  /**
   * Store the data's SHA-256 as metadata `sha256` without the caller computing it first: put hashes the data itself
   * (from the bytes it sends when it holds them before sending, else with one extra read of the source).
   */
  sha256Metadata?: boolean;
}

export interface PutResult {
  url: string;
  bytes: number;
  /** Hex SHA-256 of the bytes stored. */
  sha256: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive; defaults to the last byte. */
  end?: number;
}

export interface ObjectStat {
  bytes: number;
  modified: Date;
  contentType?: string;
  metadata: Record<string, string>;
}

export interface ObjectEntry {
  key: string;
  bytes: number;
  modified: Date;
}

/** The key (or URL) names no object. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(readonly key: string) {
    super(`not found in storage: ${key}`);
  }
}

/**
 * Stored or source bytes are not what they should be. `retryable` is true when the store returned
 * something other than what was sent (a new attempt may succeed), false when the source itself does
 * not match the expected digest.
 */
export class IntegrityError extends Error {
  override name = 'IntegrityError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Node's codes for network failures worth another try (network file systems raise them too). */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

/**
 * The classification every backend shares (Storage.classify): the storage's own errors (NotFoundError,
 * IntegrityError), Node's transient network failures, then what `own` (the backend's knowledge of its client's
 * errors) says, and an error whose `cause` is retryable is too; anything else is permanent.
 */
export function classifyError(err: unknown, own: (err: Error) => StorageErrorClass | undefined = () => undefined): StorageErrorClass {
  if (err instanceof NotFoundError) return 'not-found';
  if (err instanceof IntegrityError) return err.retryable ? 'retryable' : 'permanent';
  if (!(err instanceof Error)) return 'permanent';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return 'retryable';
  const known = own(err);
  if (known !== undefined) return known;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && classifyError(cause, own) === 'retryable' ? 'retryable' : 'permanent';
}

/**
 * Throws UserError unless `key` is a clean relative path: non-empty, `/`-separated, no empty
 * segment, no segment starting with `.` (so no `..`, and backends may keep their own dot-files, such
 * as temp files, beside objects), no backslash or control character. Every backend accepts exactly
 * these keys, so a key valid on one is valid on the other.
 */
export function assertKey(key: string): void {
  const bad = key === '' || /[\\\x00-\x1f]/.test(key) || key.split('/').some((seg) => seg === '' || seg.startsWith('.'));
  if (bad) throw new UserError(`invalid storage key ${JSON.stringify(key)}: use a relative path like clips/front/x.mp4`);
}

/** Throws RangeError unless `range` has a whole `start` ≥ 0 and, when given, a whole `end` ≥ start. */
export function assertRange(range: ByteRange, key: string): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeError(`range ${start}-${end ?? ''} is not valid for ${key}`);
  }
}

/** Throws RangeError unless `range` starts inside an object of `bytes`; returns the inclusive end, clamped. */
export function resolveRange(range: ByteRange, bytes: number, key: string): number {
  assertRange(range, key);
  if (range.start >= bytes) {
    throw new RangeError(`range ${range.start}-${range.end ?? ''} is not satisfiable for ${key} (${bytes} bytes)`);
  }
  return Math.min(range.end ?? bytes - 1, bytes - 1);
}
