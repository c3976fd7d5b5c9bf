import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/lib/errors.js';
import { FileStorage, openStorage, S3Storage } from '../../src/lib/storage/index.js';

describe('openStorage', () => {
  it.each([
    ['file://./cctv-data/archive', 'file:///srv/cctv/cctv-data/archive'],
    ['file://.', 'file:///srv/cctv'],
    ['file:///mnt/nas/clips', 'file:///mnt/nas/clips'],
    ['file:///mnt/nas/with%20space', 'file:///mnt/nas/with%20space'],
  ])('%s → FileStorage at %s', (url, expected) => {
    const s = openStorage(url, { cwd: '/srv/cctv' });
    expect(s).toBeInstanceOf(FileStorage);
    expect(s.url).toBe(expected);
  });

  it.each([
    ['s3://my-bucket', 's3://my-bucket', 's3://my-bucket/k'],
    ['s3://my-bucket/', 's3://my-bucket', 's3://my-bucket/k'],
    ['s3://my-bucket/cctv/site-1/', 's3://my-bucket/cctv/site-1', 's3://my-bucket/cctv/site-1/k'],
  ])('%s → S3Storage %s', (url, expected, keyUrl) => {
    const s = openStorage(url, { region: 'eu-west-2' });
    expect(s).toBeInstanceOf(S3Storage);
    expect(s.url).toBe(expected);
    expect(s.urlFor('k')).toBe(keyUrl);
  });

  it.each([
    ['gs://bucket/x', /file:\/\/\.\/relative\/folder.*s3:\/\/bucket\/prefix/],
    ['/plain/path', /is not supported/],
    ['file://nas/share', /file:\/\/\.\/relative\/folder or file:\/\/\/absolute\/folder/],
    ['s3://Bad_Bucket/x', /s3:\/\/bucket or s3:\/\/bucket\/prefix/],
    ['s3://bucket/a/../b', /invalid storage key/],
  ])('%s → UserError %s', (url, message) => {
    expect(() => openStorage(url, { region: 'eu-west-2' })).toThrow(UserError);
    expect(() => openStorage(url, { region: 'eu-west-2' })).toThrow(message);
  });

  it('needs a region for s3 (config or AWS_REGION)', () => {
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      expect(() => openStorage('s3://bucket')).toThrow(/storage.region is required/);
      process.env.AWS_REGION = 'us-east-1';
      expect(openStorage('s3://bucket')).toBeInstanceOf(S3Storage);
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});
