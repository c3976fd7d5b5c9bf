import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { EventCatalog } from '../catalog/event-catalog.js';
import { recordedEnds, recordedUntil } from '../clips/cut.js';
import PQueue from 'p-queue';
import { GAP_TOLERANCE_MS, planCut, type CutPlan, type Piece } from '../clips/window.js';
import { clipPosterArgs, playbackArgs, thumbnailArgs } from '../ffmpeg/args.js';
import { keyframeAtOrBefore, probeMedia } from '../ffmpeg/probe.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { concatStream, ffmpegStdout } from '../ffmpeg/stream.js';
import { log } from '../log.js';
import { attachment, NotFoundError, type Storage } from '../storage/index.js';
import { monotonicMs } from '../time.js';

/**
 * The media behind the web app: stored objects with HTTP range support (or a short-lived presigned URL), continuous
 * recordings remuxed on the fly into fragmented MP4, timeline thumbnails, and the latest frame of a camera. Every file and key comes from
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

/** A continuous run of recordings to play: its cut plan, and the wall-clock times of its media time 0 and its end. */
export interface PlaybackRun {
  plan: CutPlan;
  /** The wall-clock time of media time 0: the keyframe the stream starts at (at or before the asked moment). */
  startMs: number;
  /** Where this run ends: the window's end, or the first gap in the recordings (the next run starts after it). */
  endMs: number;
}

/** Pure: the pieces up to the first hole in the recordings (the concat demuxer would join across it, shifting time). */
export function contiguousPieces(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && p.fromMs - last.toMs > GAP_TOLERANCE_MS) break;
    out.push(p);
  }
  return out;
}

/**
 * The recordings of `camera` from `fromMs` for up to `seconds`, up to the first gap, starting exactly at the keyframe
 * at or before `fromMs` (so the browser knows the wall-clock time of every frame and seeks to the asked moment
 * itself); null when nothing covers `fromMs`.
 */
export async function recordingRun(catalog: EventCatalog, dataDir: string, camera: string, fromMs: number, seconds: number): Promise<PlaybackRun | null> {
  const window = { fromMs, toMs: fromMs + seconds * 1000 };
  const plan = planCut(await recordedEnds(dataDir, await catalog.recordings(camera, window), window), window);
  const pieces = contiguousPieces(plan.pieces);
  const first = pieces[0];
  // Playback starts where asked, or it is not this moment's recording.
  if (!first || first.fromMs - fromMs > 2000) return null;
  const recordingStartMs = first.fromMs - first.inpoint * 1000;
  const keyframe = await keyframeAtOrBefore(path.join(dataDir, first.path), first.inpoint);
  if (keyframe !== null) {
    // In points are written to the ms; rounding up keeps the demuxer on this keyframe, not the one before it.
    first.inpoint = Math.ceil(keyframe * 1000) / 1000;
    first.fromMs = recordingStartMs + keyframe * 1000;
  }
  return { plan: { ...plan, pieces }, startMs: first.fromMs, endMs: pieces[pieces.length - 1]!.toMs };
}

/** The continuous recording of `run` as fragmented MP4 (copied when browsers play the codec). */
export async function recordingStream(dataDir: string, run: PlaybackRun): Promise<{ mime: string; body: ReadableStream<Uint8Array> }> {
  const media = await probeMedia(path.join(dataDir, run.plan.pieces[0]!.path));
  return concatStream(dataDir, run.plan.pieces, playbackArgs(media));
}

/**
 * Timeline thumbnails: the keyframe at or before a moment as a small JPEG, from the recording covering it. Kept in
 * memory (the most recent `maxEntries`, ~5 KB each) and made at most `concurrency` at a time, so scrubbing back and
 * forth costs an ffmpeg once per thumbnail.
 */
export class Thumbnails {
  private readonly cache = new Map<string, Promise<Buffer | null>>();
  private readonly queue: PQueue;

  constructor(
    private readonly catalog: EventCatalog,
    private readonly dataDir: string,
    private readonly maxEntries = 4000,
    concurrency = 2,
  ) {
    this.queue = new PQueue({ concurrency });
  }

  /** The JPEG for `camera` at `atMs` (to the second), `width` px wide; null when nothing is recorded then. */
  get(camera: string, atMs: number, width: number): Promise<Buffer | null> {
    const key = `${camera}\0${Math.floor(atMs / 1000)}\0${width}`;
    let hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // most recent last
      this.cache.set(key, hit);
      return hit;
    }
    hit = this.make(camera, atMs, width);
    hit.catch(() => this.cache.delete(key));
    this.cache.set(key, hit);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return hit;
  }

  private async make(camera: string, atMs: number, width: number): Promise<Buffer | null> {
    const [seg] = (await this.catalog.recordings(camera, { fromMs: atMs, toMs: atMs + 1 })).filter((s) => s.startMs <= atMs);
    if (!seg || (seg.closed && seg.endMs < atMs)) return null;
    const file = path.join(this.dataDir, seg.path);
    return this.queue.add(async () => {
      const jpeg = await ffmpegStdout(thumbnailArgs(file, (atMs - seg.startMs) / 1000, width), 10_000);
      return jpeg.length > 0 ? jpeg : null;
    }) as Promise<Buffer | null>;
  }
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
    if (hit && monotonicMs() - hit.atMs < this.maxAgeMs) return hit.jpeg;
    const jpeg = this.grab(camera).catch((err: unknown) => {
      log.warn({ camera, err: (err as Error).message }, 'no latest frame');
      return null;
    });
    this.cache.set(camera, { atMs: monotonicMs(), jpeg });
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
