import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStorage, IntegrityError, NotFoundError, withRetry, type Storage } from '../../src/lib/storage/index.js';

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
            if (prop !== 'classify') calls.push(String(prop)); // the store's operations, not the questions about their errors
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
