import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/lib/errors.js';
import { IntegrityError, NotFoundError, S3Storage } from '../../src/lib/storage/index.js';

const sdkError = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });
const netError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('S3 storage classifies its failures (the AWS SDK\'s error shapes)', () => {
  const s3 = new S3Storage('s3://bucket/x', { region: 'us-east-1', checksums: 'when_supported' });
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
  ])('%s → retryable %s', (_name, err, expected) => {
    expect(s3.classify(err) === 'retryable').toBe(expected);
  });

  it.each([
    ['missing key', new NotFoundError('k'), 'not-found'],
    ['a 404 the SDK raised', sdkError('NotFound', 404), 'not-found'],
    ['403 AccessDenied', sdkError('AccessDenied', 403), 'permanent'],
    ['503 SlowDown', sdkError('SlowDown', 503), 'retryable'],
  ] as const)('%s → %s', (_name, err, expected) => {
    expect(s3.classify(err)).toBe(expected);
  });
});

