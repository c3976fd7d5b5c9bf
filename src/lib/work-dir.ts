import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from './errors.js';
import { log } from './log.js';

/**
 * Work folders: `<dataDir>/tmp/<prefix>-<pid>-XXXXXX` (on the data folder's disk, beside the recordings, not in a
 * small tmpfs); the caller removes its folder when done. A process killed with kill -9 cannot, so the first
 * makeWorkDir of each process also sweeps `<dataDir>/tmp`: a folder goes when it is older than this process and its
 * owner (the pid in its name) is gone — or that pid now belongs to a process started after the folder was made
 * (a reused pid). A live owner's folder is never touched.
 */
export async function makeWorkDir(dataDir: string, prefix: string): Promise<string> {
  const base = path.join(dataDir, 'tmp');
  await mkdir(base, { recursive: true });
  if (!swept.has(base)) {
    swept.add(base);
    await sweepWorkDirs(base);
  }
  return mkdtemp(path.join(base, `${prefix}-${process.pid}-`));
}

const swept = new Set<string>();

/** Removes the work folders of processes that are gone (see makeWorkDir). Returns how many went. */
export async function sweepWorkDirs(base: string, startedMs = performance.timeOrigin): Promise<number> {
  let removed = 0;
  for (const name of await readdir(base).catch(() => [])) {
    const full = path.join(base, name);
    try {
      const { mtimeMs } = await stat(full);
      if (mtimeMs >= startedMs) continue; // made since this process started: maybe by a live neighbour
      const pid = Number(/-(\d+)-[^-]+$/.exec(name)?.[1]);
      const ownerStart = Number.isInteger(pid) ? processStartMs(pid) : null;
      // Its owner still runs (/proc start times are whole-second precise: a margin).
      if (ownerStart !== null && ownerStart <= mtimeMs + START_MARGIN_MS) continue;
      await rm(full, { recursive: true, force: true });
      removed++;
    } catch (err) {
      log.warn({ path: full, err: errorMessage(err) }, 'work folder left by an earlier process not removed');
    }
  }
  if (removed > 0) log.info({ folder: base, removed }, 'removed work folders left by processes that are gone');
  return removed;
}

/** When process `pid` started (epoch ms, from /proc), or null when no such process runs. */
export function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, in clock ticks since boot) counts after the command name, which may hold spaces.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return bootSeconds * 1000 + (ticks * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

/** The kernel's clock tick for /proc times (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;
/** /proc's boot time is in whole seconds: a process started this close after a folder may still be its owner. */
const START_MARGIN_MS = 2000;
