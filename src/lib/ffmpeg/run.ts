import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import { RuntimeError } from '../errors.js';
import { redactText } from '../redact.js';

/** The binaries: $FFMPEG_PATH / $FFPROBE_PATH, else from PATH (fluent-ffmpeg honours the same variables). */
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
  done: Promise<{ code: number | null; signal: string | null; error?: string }>;
  /** Ask ffmpeg to finalise and exit (SIGINT); `force` kills it (SIGKILL) */
  stop(force?: boolean): void;
  pid(): number | undefined;
}

/**
 * Starts a long-running ffmpeg (the recorder) through fluent-ffmpeg. Every stderr line goes to `onStderr`
 * (the caller redacts before logging). ffmpeg runs with TZ=UTC so strftime output names are UTC
 * (fluent-ffmpeg passes no env of its own, so this process's TZ is set to UTC).
 */
export function startFfmpeg(job: {
  input: string;
  inputOptions: string[];
  outputOptions: string[];
  output: string;
  onStderr: (line: string) => void;
}): LongRunning {
  let proc: ChildProcess | undefined;
  const command = ffmpeg(job.input)
    .inputOptions(['-hide_banner', '-nostdin', ...job.inputOptions])
    .outputOptions(job.outputOptions)
    .output(job.output);
  const done = new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    command
      .on('start', () => {
        proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      })
      .on('stderr', (line: string) => job.onStderr(line))
      .on('end', () => resolve({ code: 0, signal: null }))
      .on('error', (err: Error) => {
        const m = /ffmpeg (?:exited with code (\d+)|was killed with signal (\w+))/.exec(err.message);
        resolve({ code: m?.[1] ? Number(m[1]) : null, signal: m?.[2] ?? null, error: redactText(err.message.split('\n')[0] ?? '') });
      });
  });
  // fluent-ffmpeg spawns with this process's environment; strftime names must be UTC (CONTRACT §4).
  process.env.TZ = 'UTC';
  command.run();
  return {
    done,
    stop: (force = false) => {
      if (proc && proc.exitCode === null) proc.kill(force ? 'SIGKILL' : 'SIGINT');
    },
    pid: () => proc?.pid,
  };
}
