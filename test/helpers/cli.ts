import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const BIN = fileURLToPath(new URL('../../bin/cctv.js', import.meta.url));

/** A temp folder with a cctv.config.yaml written from `config`. */
export function tempProject(config: Record<string, unknown>): { dir: string; configPath: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-test-'));
  const configPath = path.join(dir, 'cctv.config.yaml');
  writeFileSync(configPath, stringify(config));
  return { dir, configPath };
}

export interface Running {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Parsed NDJSON lines of stdout so far. */
  records: () => Record<string, unknown>[];
  exited: Promise<number | null>;
}

/**
 * Spawns the real `cctv` binary (built dist/) with stdout and stderr captured; `wrap` runs it under another command
 * (e.g. `['faketime', '-f', '-2d']`).
 */
export function spawnCctv(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; wrap?: string[] }): Running {
  const [cmd, ...pre] = [...(opts.wrap ?? []), process.execPath];
  const proc = spawn(cmd!, [...pre, BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  if (opts.input !== undefined) proc.stdin!.end(opts.input);
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    records: () => out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
  };
}

/** Runs `cctv` to completion. */
export async function runCctv(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; wrap?: string[] }) {
  const r = spawnCctv(args, { ...opts, input: opts.input ?? '' });
  const code = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr(), records: r.records };
}

/** PIDs of processes whose command line contains `text` (ffmpeg children a test must not leave behind). */
export function processesMatching(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
