import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { FileStorage, fileRootFromUrl } from './file.js';
import { S3Storage, type S3StorageOptions } from './s3.js';
import { withRetry } from './retry.js';
import type { Storage } from './types.js';

export * from './types.js';
export { FileStorage, fileRootFromUrl } from './file.js';
export { S3Storage, attachment, s3LocationFromUrl, type S3StorageOptions } from './s3.js';
export { withRetry, type RetryOptions } from './retry.js';

/** The `storage.*` config keys besides `url`, plus what a caller may inject. */
export interface StorageOptions extends Partial<Omit<S3StorageOptions, 'region'>> {
  /** s3 only; falls back to $AWS_REGION. */
  region?: string;
  /** Base for `file://./relative` URLs; default process.cwd(). */
  cwd?: string;
}

interface Backend {
  scheme: string;
  form: string;
  open(url: string, options: StorageOptions): Storage;
}

/** Every storage backend, by URL scheme. */
const BACKENDS: readonly Backend[] = [
  {
    scheme: 'file:',
    form: 'file://./relative/folder, file:///absolute/folder',
    open: (url, o) => new FileStorage(fileRootFromUrl(url, o.cwd)),
  },
  {
    scheme: 's3:',
    form: 's3://bucket/prefix',
    open: (url, { cwd: _cwd, ...o }) => {
      const region = o.region ?? process.env.AWS_REGION;
      if (!region) throw new UserError(`storage.region is required for ${url} (or set AWS_REGION)`);
      return new S3Storage(url, { ...o, region, checksums: o.checksums ?? 'when_supported' });
    },
  },
];

/** Opens the storage a URL names; UserError for an unknown scheme or a malformed URL. */
export function openStorage(url: string, options: StorageOptions = {}): Storage {
  const backend = BACKENDS.find((b) => url.startsWith(`${b.scheme}//`));
  if (!backend) {
    throw new UserError(`storage.url ${JSON.stringify(url)} is not supported: use ${BACKENDS.map((b) => b.form).join(' or ')}`);
  }
  return backend.open(url, options);
}

/**
 * The configured storage as every command opens it: `storage.*` of the config, wrapped in `withRetry` for the
 * transient failures of a single call (commands that must survive long outages retry their own work on top).
 */
export function storageFromConfig(config: Config): Storage {
  const { url, region, endpoint, forcePathStyle, checksums, sse, sseKmsKeyId } = config.storage;
  return withRetry(openStorage(url!, { region, endpoint, forcePathStyle, checksums, sse, sseKmsKeyId }), { retries: 2, baseDelayMs: 300, maxDelayMs: 2000 });
}
