import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RuntimeError } from '../errors.js';
import { log } from '../log.js';
import { redactText } from '../redact.js';
import { boxedPosterArgs, frameExtractionArgs, isNetworkSource, probeVideoArgs } from './args.js';
import { runFfmpeg, runFfprobe } from './run.js';
import type { Box, Frame, FrameRequest } from '../detect/types.js';

/**
 * Still frames out of a clip for the detectors, and the poster with boxes drawn. Sources are local
 * paths or http(s) URLs (presigned S3 URLs work: ffmpeg seeks with range requests). The arguments are
 * built in args.ts; run.ts runs them (and adds `-hide_banner -nostdin -y` to ffmpeg).
 */

export interface VideoInfo {
  durationSeconds: number;
  width: number;
  height: number;
}

/** A source as it may appear in logs and errors: credentials masked, query string (signatures) dropped. */
export function describeSource(source: string): string {
  return redactText(isNetworkSource(source) ? source.replace(/\?.*$/, '?…') : source);
}

/** The output size for a request: fixed when `height` is given, else `width` (never upscaled) with the source aspect, even. */
export function outputSize(source: Pick<VideoInfo, 'width' | 'height'>, request: FrameRequest): { width: number; height: number } {
  if (request.height !== undefined) return { width: request.width, height: request.height };
  const width = Math.min(request.width, source.width) & ~1;
  return { width, height: Math.max(2, Math.round((source.height * width) / source.width / 2) * 2) };
}

/** Run one of the runners of run.ts, hiding a signed URL's query string in the error it may raise. */
async function masked<T>(source: string, job: () => Promise<T>): Promise<T> {
  try {
    return await job();
  } catch (err) {
    if (err instanceof Error) err.message = err.message.split(source).join(describeSource(source));
    throw err;
  }
}

/** Duration and picture size of a clip's first video stream. */
export async function probeVideo(source: string): Promise<VideoInfo> {
  const json = JSON.parse(await masked(source, () => runFfprobe(probeVideoArgs(source)))) as {
    streams?: { width?: number; height?: number; duration?: string }[];
    format?: { duration?: string };
  };
  const stream = json.streams?.[0];
  const durationSeconds = Number(stream?.duration ?? json.format?.duration);
  if (!stream?.width || !stream.height) throw new RuntimeError(`no video stream in ${describeSource(source)}`);
  if (!(durationSeconds > 0)) throw new RuntimeError(`unknown duration of ${describeSource(source)}`);
  return { durationSeconds, width: stream.width, height: stream.height };
}

/**
 * The frames at `times` (seconds from the clip start), in the same order, as the request asks.
 * Timestamps with no frame (past the end) are left out. One ffmpeg process; `info` saves a probe.
 */
export async function extractFrames(
  source: string,
  times: readonly number[],
  request: FrameRequest,
  info?: VideoInfo,
): Promise<Frame[]> {
  if (times.length === 0) return [];
  const size = outputSize(info ?? (await probeVideo(source)), request);
  const dir = await mkdtemp(path.join(tmpdir(), 'cctv-frames-'));
  try {
    await masked(source, () => runFfmpeg(frameExtractionArgs(source, times, request, size, dir)));
    const frames: Frame[] = [];
    for (const [i, offsetSeconds] of times.entries()) {
      const file = path.join(dir, `${i}.${request.format === 'rgb24' ? 'rgb' : 'jpg'}`);
      const data = await readFile(file).catch(() => undefined);
      const complete = request.format === 'jpeg' ? (data?.length ?? 0) > 0 : data?.length === size.width * size.height * 3;
      if (data && complete) frames.push({ offsetSeconds, format: request.format, ...size, data });
      else log.debug({ source: describeSource(source), offsetSeconds }, 'no frame at this time');
    }
    return frames;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Write the poster JPEG for the frame at `offsetSeconds` of `source`, with `boxes` drawn. */
export async function drawPoster(source: string, offsetSeconds: number, boxes: readonly Box[], outPath: string): Promise<void> {
  await masked(source, () => runFfmpeg(boxedPosterArgs(source, offsetSeconds, boxes, outPath)));
}
