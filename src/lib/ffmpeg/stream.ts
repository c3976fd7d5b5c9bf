import path from 'node:path';
import { Readable } from 'node:stream';
import { RuntimeError } from '../errors.js';
import { log } from '../log.js';
import { concatScript, type ConcatPiece } from './args.js';
import { Fmp4Splitter } from './fmp4.js';
import { lastLines, spawnFfmpeg } from './run.js';

/** ffmpeg runs whose output is read as it comes: fragmented MP4 from a concat of recordings, and short jobs' stdout. */

/** A recording piece as the concat script takes it: its path relative to the data folder and its in/out points. */
export type RecordingPiece = Omit<ConcatPiece, 'file'> & { path: string };

/**
 * An ffmpeg writing fMP4 on stdout from a concat script on stdin (`pieces` of recordings under `dataDir`), as a body
 * stream that waits for the init segment first (its codecs make the Content-Type MSE needs). Cancelling the stream
 * (the browser went away) kills ffmpeg. Rejects when ffmpeg fails before the init segment.
 */
export async function concatStream(dataDir: string, pieces: readonly RecordingPiece[], args: string[]): Promise<{ mime: string; body: ReadableStream<Uint8Array> }> {
  const proc = spawnFfmpeg(args);
  // The script comes on stdin, so its paths are made absolute file: URLs (relative ones would resolve against pipe:).
  proc.stdin.end(concatScript(pieces.map((p) => ({ file: `file:${path.join(dataDir, p.path)}`, inpoint: p.inpoint, outpoint: p.outpoint }))));
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code, signal) => {
    if (code !== 0 && signal === null) log.warn({ err: lastLines(stderr) }, 'recording remux failed');
    resolve(code);
  }));
  const reader = (Readable.toWeb(proc.stdout) as ReadableStream<Uint8Array>).getReader();
  const head: Uint8Array[] = [];
  const splitter = new Fmp4Splitter();
  let mime: string | null = null;
  try {
    while (mime === null) {
      const { value, done } = await reader.read();
      if (done) {
        await exited;
        throw new RuntimeError(`ffmpeg produced no video: ${lastLines(stderr) || 'no output'}`);
      }
      head.push(value);
      mime = splitter.push(Buffer.from(value)).find((p) => p.kind === 'init')?.mime ?? null;
    }
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const first = head.shift();
      if (first) return controller.enqueue(first);
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      proc.kill('SIGKILL');
      return reader.cancel();
    },
  });
  return { mime, body };
}

/** Runs a short ffmpeg and returns what it wrote on stdout; rejects on failure or after `timeoutMs`. */
export function ffmpegStdout(args: string[], timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const proc = spawnFfmpeg(args);
    proc.stdin.end();
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.stdout.on('data', (c: Buffer) => chunks.push(c));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    proc.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new RuntimeError(`ffmpeg failed: ${lastLines(stderr) || `exit ${code}`}`));
    });
  });
}

