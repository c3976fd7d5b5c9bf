import { execFile } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError, errorMessage } from '../errors.js';
import { log } from '../log.js';

const exec = promisify(execFile);

/**
 * Real footage for tests, benchmarks and the demo, from Debian's opencv-doc package: `vtest.avi` (80 s, 768x576,
 * 10 fps, a fixed camera over a walkway with pedestrians), `tree.avi` (a waving tree) and stills. Taken from the
 * installed package when present, else fetched once with `apt-get download` and extracted without installing (the
 * package is 96 MB; only the requested files are kept), cached for every later run.
 */
export const OPENCV_DATA_IN_PACKAGE = './usr/share/doc/opencv-doc/examples/data';
export const VTEST_IN_PACKAGE = `${OPENCV_DATA_IN_PACKAGE}/vtest.avi`;

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
  return (await ensureOpencvData(['vtest.avi'], dir))[0]!;
}

/** The paths of `files` of opencv-doc's examples/data (e.g. `tree.avi`, `building.jpg`), in order; one download for all. */
export async function ensureOpencvData(files: readonly string[], dir: string = cacheDir()): Promise<string[]> {
  const cached = files.map((f) => path.join(dir, f));
  const missing = (await Promise.all(cached.map(async (c, i) => ((await exists(c)) ? null : files[i]!)))).filter((f) => f !== null);
  if (missing.length === 0) return cached;
  await mkdir(dir, { recursive: true });
  const installed = (f: string) => path.join('/', OPENCV_DATA_IN_PACKAGE, f);
  const notInstalled: string[] = [];
  for (const f of missing) {
    if (await exists(installed(f))) await copyFile(installed(f), path.join(dir, f));
    else notInstalled.push(f);
  }
  if (notInstalled.length === 0) return cached;
  const work = await mkdtemp(path.join(tmpdir(), 'cctv-opencv-doc-'));
  try {
    log.info({ files: notInstalled }, 'fetching test footage (Debian opencv-doc, ~96 MB download, keeps only these files)');
    await exec('apt-get', ['download', 'opencv-doc'], { cwd: work, timeout: 300_000 });
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download produced no .deb');
    const members = notInstalled.map((f) => `${OPENCV_DATA_IN_PACKAGE}/${f}`);
    await exec('sh', ['-c', 'deb="$1"; shift; dpkg-deb --fsys-tarfile "$deb" | tar -x "$@"', 'sh', deb, ...members], { cwd: work, timeout: 120_000 });
    for (const [i, f] of notInstalled.entries()) {
      const partial = `${path.join(dir, f)}.${process.pid}.part`;
      await copyFile(path.join(work, members[i]!), partial);
      await rename(partial, path.join(dir, f));
    }
    return cached;
  } catch (err) {
    throw new RuntimeError(`could not get ${notInstalled.join(', ')} from Debian's opencv-doc package: ${errorMessage(err)}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
