import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/lib/errors.js';
import {
  FileStorage,
  IntegrityError,
  isRetryable,
  NotFoundError,
  withRetry,
  type Storage,
} from '../../src/lib/storage/index.js';

const sdkError = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });
const netError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('isRetryable', () => {
  it.each([
    ['503 SlowDown', sdkError('SlowDown', 503), true],
    ['500 InternalError', sdkError('InternalError', 500), true],
    ['429', sdkError('TooManyRequests', 429), true],
    ['throttling without status', sdkError('ThrottlingException'), true],
    ['SDK-flagged transient', sdkError('Weird', 400, { $retryable: {} }), true],
    ['connection refused', netError('ECONNREFUSED'), true],
    ['connection reset', netError('ECONNRESET'), true],
    ['socket error as cause', Object.assign(new Error('fetch failed'), { cause: netError('UND_ERR_SOCKET') }), true],
    ['store-side corruption', new IntegrityError('store holds other bytes', true), true],
    ['source does not match expected sha256', new IntegrityError('source changed', false), false],
    ['missing key', new NotFoundError('k'), false],
    ['403 AccessDenied', sdkError('AccessDenied', 403), false],
    ['403 SignatureDoesNotMatch', sdkError('SignatureDoesNotMatch', 403), false],
    ['400 InvalidArgument', sdkError('InvalidArgument', 400), false],
    ['missing source file', netError('ENOENT'), false],
    ['bad range', new RangeError('range'), false],
    ['usage error', new UserError('bad key'), false],
    ['a bug', new TypeError('x is undefined'), false],
    ['not an Error', 'boom', false],
  ])('%s → %s', (_name, err, expected) => {
    expect(isRetryable(err)).toBe(expected);
  });
});

describe('withRetry', () => {
  it('does not retry what cannot succeed, and passes results through', async () => {
    const root = await mkdtemp(join(tmpdir(), 'retry-'));
    try {
      const inner = new FileStorage(root);
      const calls: string[] = [];
      const counting: Storage = new Proxy(inner, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(String(prop));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const s = withRetry(counting, { retries: 5, baseDelayMs: 1000, maxDelayMs: 1000 });
      await expect(s.stat('nope')).rejects.toBeInstanceOf(NotFoundError);
      await expect(s.put('a', { body: Buffer.from('x') }, { contentType: 'text/plain', sha256: '00' })).rejects.toBeInstanceOf(IntegrityError);
      expect(calls).toEqual(['stat', 'put']);
      expect((await s.put('a', { body: Buffer.from('x') }, { contentType: 'text/plain' })).bytes).toBe(1);
      expect(s.url).toBe(inner.url);
      expect(s.keyFromUrl(s.urlFor('a/b'))).toBe('a/b');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
