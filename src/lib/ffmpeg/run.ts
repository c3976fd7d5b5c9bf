import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { RuntimeError } from '../errors.js';
import { redactText } from '../redact.js';

/** The binaries: $FFMPEG_PATH / $FFPROBE_PATH, else from PATH. */
export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

/** Runs a short ffmpeg job to completion; rejects with the last stderr lines (redacted) on failure. */
export function runFfmpeg(args: string[], opts: { timeoutMs?: number } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(FFMPEG, ['-hide_banner', '-nostdin', '-y', ...args], { maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 120_000 }, (err, _out, stderr) => {
      if (err) reject(new RuntimeError(`ffmpeg failed: ${lastLines(stderr || err.message)}`));
      else resolve();
    });
  });
}

/** Runs ffprobe and returns its stdout. */
export function runFfprobe(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(FFPROBE, args, { maxBuffer: 256 << 20, timeout: opts.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new RuntimeError(`ffprobe failed: ${lastLines(stderr || err.message)}`));
      else resolve(stdout);
    });
  });
}

export function lastLines(text: string, n = 3): string {
  return redactText(text.trim().split('\n').slice(-n).join(' | '));
}

export interface LongRunning {
  /** Resolves when ffmpeg exits, for whatever reason (a camera that vanishes makes ffmpeg exit 0). */
  done: Promise<{ code: number | null; signal: string | null }>;
  /** Ask ffmpeg to finalise and exit (SIGINT); `force` kills it (SIGKILL). */
  stop(force?: boolean): void;
  /** ffmpeg's stdin, when the job asked for a pipe (`stdin: true`); its errors (ffmpeg gone) are swallowed: see `done`. */
  stdin: Writable | null;
}

/**
 * Starts a long-running ffmpeg (the recorder, the motion decoder, the live decoder fed on stdin). Every stderr line (progress lines end in \r) goes
 * to `onStderr`; the caller redacts before logging. Stdout goes to `onStdout` when given. ffmpeg runs with TZ=UTC so
 * strftime output names are UTC.
 *
 * It runs under `setpriv --pdeathsig SIGINT`: if cctv itself is killed (even with -9), the kernel tells ffmpeg to
 * finalise and exit, instead of leaving an orphan recording forever. (fluent-ffmpeg cannot wrap the binary like
 * this, which is why the recorder spawns ffmpeg itself.)
 */
export function startFfmpeg(job: { args: string[]; onStderr: (line: string) => void; onStdout?: (chunk: Buffer) => void; stdin?: boolean | Readable }): LongRunning {
  const proc = spawn('setpriv', ['--pdeathsig', 'SIGINT', '--', FFMPEG, '-hide_banner', '-nostdin', '-y', ...job.args], {
    // `stdin`: true — a pipe this process writes (LongRunning.stdin); a stream — another process's output, given to
    // ffmpeg directly (`-i pipe:0`). -nostdin only turns off ffmpeg's keyboard commands.
    stdio: [job.stdin === true ? 'pipe' : job.stdin || 'ignore', job.onStdout ? 'pipe' : 'ignore', 'pipe'],
    env: { ...process.env, TZ: 'UTC' },
  });
  if (job.onStdout) proc.stdout!.on('data', job.onStdout);
  proc.stdin?.on('error', () => {});
  let pending = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split(/\r\n|\r|\n/);
    pending = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) job.onStderr(line);
  });
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    proc.once('error', (err) => {
      job.onStderr(`cannot start ffmpeg: ${err.message}`);
      resolve({ code: null, signal: null });
    });
    proc.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    done,
    stdin: proc.stdin,
    stop: (force = false) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(force ? 'SIGKILL' : 'SIGINT');
    },
  };
}

/**
 * Starts an ffmpeg whose output the caller reads from stdout (live streams, playback remuxes, exports): stdin is a
 * pipe (a concat script, or nothing), stderr a pipe (for the error). Like the recorder it runs under `setpriv
 * --pdeathsig`, here SIGKILL: a stream nobody can read any more is not worth finalising.
 */
export function spawnFfmpeg(args: string[]): ChildProcessByStdio<Writable, Readable, Readable> {
  const proc = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', FFMPEG, '-hide_banner', '-nostdin', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stdin.on('error', () => {}); // ffmpeg may exit before reading all of its input
  return proc;
}
