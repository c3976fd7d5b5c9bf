import { execFile } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError, errorMessage } from '../errors.js';
import { log } from '../log.js';

const exec = promisify(execFile);

/**
 * Real pedestrian footage for tests, benchmarks and the demo: `vtest.avi` (80 s, 768x576, 10 fps, a
 * fixed camera over a walkway) from Debian's opencv-doc package. Taken from the installed package when
 * present, else fetched once with `apt-get download` and extracted without installing (the package is
 * 96 MB; only the 8 MB clip is kept), cached for every later run.
 */
export const VTEST_IN_PACKAGE = './usr/share/doc/opencv-doc/examples/data/vtest.avi';

/** `$CCTV_CACHE_DIR`, else `$XDG_CACHE_HOME/cctv`, else `~/.cache/cctv`. */
export function cacheDir(): string {
  return process.env.CCTV_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'cctv');
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/**
 * The path of vtest.avi, fetching it when needed. Rejects with a RuntimeError naming what failed
 * (no apt, no network to the Debian mirror) so a caller can fail loudly or fall back to synthetic video.
 */
export async function ensureVtest(dir: string = cacheDir()): Promise<string> {
  const cached = path.join(dir, 'vtest.avi');
  if (await exists(cached)) return cached;
  const installed = path.join('/', VTEST_IN_PACKAGE);
  await mkdir(dir, { recursive: true });
  if (await exists(installed)) {
    await copyFile(installed, cached);
    return cached;
  }
  const work = await mkdtemp(path.join(tmpdir(), 'cctv-opencv-doc-'));
  try {
    log.info('fetching the pedestrian test footage (Debian opencv-doc, ~96 MB download, keeps 8 MB)');
    await exec('apt-get', ['download', 'opencv-doc'], { cwd: work, timeout: 300_000 });
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download produced no .deb');
    await exec('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -x "$2"`, 'sh', deb, VTEST_IN_PACKAGE], { cwd: work, timeout: 120_000 });
    const partial = `${cached}.${process.pid}.part`;
    await copyFile(path.join(work, VTEST_IN_PACKAGE), partial);
    await rename(partial, cached);
    return cached;
  } catch (err) {
    throw new RuntimeError(`could not get vtest.avi from Debian's opencv-doc package: ${errorMessage(err)}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
