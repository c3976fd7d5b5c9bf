import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { EventCatalog } from '../catalog/event-catalog.js';
import { recordedEnds, recordedUntil } from '../clips/cut.js';
import { planCut, type CutPlan } from '../clips/window.js';
import { clipPosterArgs, concatScript, playbackArgs } from '../ffmpeg/args.js';
import { probeMedia } from '../ffmpeg/probe.js';
import { FFMPEG, lastLines, runFfmpeg } from '../ffmpeg/run.js';
import { log } from '../log.js';
import { attachment, NotFoundError, type Storage } from '../storage/index.js';

/**
 * The media behind the web app: stored objects with HTTP range support (or a short-lived presigned URL), continuous
 * recordings remuxed on the fly into fragmented MP4, and the latest frame of a camera. Every file and key comes from
 * the catalog; callers never pass a path.
 */

export type ByteRangeRequest = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * Pure: the single byte range a `Range` header asks of an object of `size` bytes (inclusive, clamped); undefined for
 * no header or one this server ignores (several ranges, other units: the whole object is sent), 'unsatisfiable' when
 * the range starts past the end.
 */
export function parseRange(header: string | null, size: number): ByteRangeRequest {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}

/** The origin presigned URLs of `storage` point at (the CSP must allow it for media), or none. */
export async function presignOrigin(storage: Storage): Promise<string[]> {
  try {
    const signed = await storage.presign('probe.mp4', 60);
    return signed ? [new URL(signed).origin] : [];
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'cannot presign storage URLs: stored clips will not play');
    return [];
  }
}

/** How long a presigned media URL stays valid. */
export const PRESIGN_SECONDS = 300;

/**
 * A stored object as a response: a 302 to a presigned URL when the storage has them (S3), else the bytes from the
 * storage itself, honouring a single Range. 404 when the object is gone.
 */
export async function storedObject(
  storage: Storage,
  url: string,
  req: { method: string; range: string | null },
  opts: { contentType: string; download?: string; presignSeconds?: number },
): Promise<Response> {
  let key: string;
  try {
    key = storage.keyFromUrl(url);
  } catch {
    return new Response('stored in another storage than the configured one', { status: 404 });
  }
  const signed = await storage.presign(key, opts.presignSeconds ?? PRESIGN_SECONDS, opts.download ? { downloadAs: opts.download } : {});
  if (signed) return new Response(null, { status: 302, headers: { location: signed, 'cache-control': 'no-store' } });
  let size: number;
  try {
    size = (await storage.stat(key)).bytes;
  } catch (err) {
    if (err instanceof NotFoundError) return new Response('not found', { status: 404 });
    throw err;
  }
  const headers: Record<string, string> = {
    'content-type': opts.contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=3600',
    ...(opts.download ? { 'content-disposition': attachment(opts.download) } : {}),
  };
  const range = parseRange(req.range, size);
  if (range === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
  }
  const status = range ? 206 : 200;
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers['content-length'] = String(size === 0 ? 0 : end - start + 1);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  if (req.method === 'HEAD' || size === 0) return new Response(null, { status, headers });
  const body = await storage.get(key, { start, end });
  return new Response(Readable.toWeb(body as Readable) as ReadableStream<Uint8Array>, { status, headers });
}

/** The recordings of `camera` from `fromMs` for `seconds`, as planCut sees them; null when nothing covers `fromMs`. */
export async function recordingPlan(catalog: EventCatalog, dataDir: string, camera: string, fromMs: number, seconds: number): Promise<CutPlan | null> {
  const window = { fromMs, toMs: fromMs + seconds * 1000 };
  const plan = planCut(await recordedEnds(dataDir, await catalog.recordings(camera, window), window), window);
  // Playback starts where asked, or it is not this moment's recording.
  const first = plan.pieces[0];
  if (!first || first.fromMs - fromMs > 2000) return null;
  return plan;
}

/**
 * The continuous recording of `plan` as a fragmented MP4 stream (ffmpeg `-c copy` over the concat demuxer, so it
 * starts at the keyframe at or before the asked moment). Cancelling the stream (the browser went away) kills ffmpeg.
 */
export async function recordingStream(dataDir: string, plan: CutPlan): Promise<ReadableStream<Uint8Array>> {
  const media = await probeMedia(path.join(dataDir, plan.pieces[0]!.path));
  const proc = spawn(FFMPEG, playbackArgs(media), { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stdin.on('error', () => {}); // ffmpeg may exit before reading all of the script
  // The script comes on stdin, so its paths are made absolute file: URLs (relative ones would resolve against pipe:).
  const pieces = plan.pieces.map((p) => ({ file: `file:${path.join(dataDir, p.path)}`, inpoint: p.inpoint, outpoint: p.outpoint }));
  proc.stdin.end(concatScript(pieces));
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  proc.once('close', (code, signal) => {
    if (code !== 0 && signal === null) log.warn({ err: lastLines(stderr) }, 'recording remux failed');
  });
  const out = Readable.toWeb(proc.stdout) as ReadableStream<Uint8Array>;
  const reader = out.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      proc.kill('SIGKILL');
      return reader.cancel();
    },
  });
}

/**
 * The latest frame of a camera as JPEG bytes: from its newest segment (the growing one while recording), a little
 * before the last frame on disk. Concurrent and repeated asks within `maxAgeMs` share one ffmpeg run. Null when the
 * camera has no recording.
 */
export class LatestFrames {
  private readonly cache = new Map<string, { atMs: number; jpeg: Promise<Buffer | null> }>();

  constructor(
    private readonly catalog: EventCatalog,
    private readonly dataDir: string,
    private readonly maxAgeMs = 1500,
  ) {}

  get(camera: string): Promise<Buffer | null> {
    const hit = this.cache.get(camera);
    if (hit && Date.now() - hit.atMs < this.maxAgeMs) return hit.jpeg;
    const jpeg = this.grab(camera).catch((err: unknown) => {
      log.warn({ camera, err: (err as Error).message }, 'no latest frame');
      return null;
    });
    this.cache.set(camera, { atMs: Date.now(), jpeg });
    return jpeg;
  }

  private async grab(camera: string): Promise<Buffer | null> {
    const seg = await this.catalog.lastRecording(camera);
    if (!seg) return null;
    const file = path.join(this.dataDir, seg.path);
    const untilMs = seg.closed ? seg.endMs : await recordedUntil(file, seg.startMs, (Date.now() - seg.startMs) / 1000 - 5);
    const at = Math.max(0, (untilMs - seg.startMs) / 1000 - 0.5);
    const dir = await mkdtemp(path.join(tmpdir(), 'cctv-latest-'));
    try {
      const out = path.join(dir, 'latest.jpg');
      await runFfmpeg(clipPosterArgs(file, at, out), { timeoutMs: 15_000 });
      return await readFile(out);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
