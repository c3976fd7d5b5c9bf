import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../src/lib/storage/index.js';
import { describeStorage } from './conformance.js';

describeStorage('file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'storage-file-'));
  return {
    storage: openStorage(`file://${root}/archive`),
    teardown: () => rm(root, { recursive: true, force: true }),
  };
});
