import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';

/**
 * A fresh work folder `<dataDir>/tmp/<prefix>-XXXXXX` (on the data folder's disk, beside the recordings, not in a
 * small tmpfs); the caller removes it when done.
 */
export async function makeWorkDir(dataDir: string, prefix: string): Promise<string> {
  const base = path.join(dataDir, 'tmp');
  await mkdir(base, { recursive: true });
  return mkdtemp(path.join(base, `${prefix}-`));
}
