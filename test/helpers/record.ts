import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { spawnCctv, type Running } from './cli.js';

export interface SegRow { path: string; start_ms: number; end_ms: number; bytes: number; closed: number }
export interface GapRowRaw { from_ms: number; to_ms: number; reason: string }

/** A camera's segments (by start) and gaps (by from) as the catalog holds them now, read by a separate connection. */
export function catalogRows(dataDir: string, camera: string): { segments: SegRow[]; gaps: GapRowRaw[] } {
  const db = new Database(path.join(dataDir, 'catalog.db'), { readonly: true });
  try {
    // `record` creates catalog.db a moment before its first migration commits: until then there is nothing to read.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'gaps'").get() === undefined) return { segments: [], gaps: [] };
    return {
      segments: db.prepare('SELECT path, start_ms, end_ms, bytes, closed FROM segments WHERE camera = ? ORDER BY start_ms').all(camera) as SegRow[],
      gaps: db.prepare('SELECT from_ms, to_ms, reason FROM gaps WHERE camera = ? ORDER BY from_ms').all(camera) as GapRowRaw[],
    };
  } finally {
    db.close();
  }
}

/**
 * `spawnCctv` for test files that start long-running commands: every process started is SIGKILLed when its test ends
 * if it still runs (a test that failed midway), so no `cctv record` is ever left behind. Call once per file.
 */
export function killedAfterEach(): (...args: Parameters<typeof spawnCctv>) => Running {
  const started: Running[] = [];
  afterEach(async () => {
    for (const r of started.splice(0)) {
      if (r.proc.exitCode !== null || r.proc.signalCode !== null) continue;
      r.proc.kill('SIGKILL'); // a recorder's ffmpeg finalises and exits by itself (pdeathsig)
      await r.exited;
    }
  });
  return (...args) => {
    const r = spawnCctv(...args);
    started.push(r);
    return r;
  };
}

/** Stops a long-running command the way a service manager does (SIGINT); resolves with its exit code. */
export async function stop(r: Running): Promise<number | null> {
  r.proc.kill('SIGINT');
  return r.exited;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Another real process holding the catalog's write lock (`BEGIN IMMEDIATE`) for `ms`: resolves once it holds it;
 * `released` resolves when it has committed and exited. Killed by `kill()` (call it in a finally).
 */
export async function holdWriteLock(dataDir: string, ms: number): Promise<{ released: Promise<void>; kill: () => void }> {
  const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path.join(dataDir, 'catalog.db'))});
    db.pragma('busy_timeout = 30000'); db.exec('BEGIN IMMEDIATE'); console.log('locked');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const proc = spawn(process.execPath, ['-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('locked') && resolve());
    proc.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before locking`)));
  });
  return { released: new Promise((resolve) => proc.once('exit', () => resolve())), kill: () => void proc.kill('SIGKILL') };
}

/** The `event loop delay` debug lines of a command's stderr: the longest stall of each 5 s, in ms. */
export function eventLoopDelays(stderr: string): number[] {
  return stderr.split('\n').filter((l) => l.includes('"event loop delay"')).map((l) => (JSON.parse(l) as { maxMs: number }).maxMs);
}
