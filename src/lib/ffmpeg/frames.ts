import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RuntimeError } from '../errors.js';
import { log } from '../log.js';
import { redactText } from '../redact.js';
import { runFfmpeg, runFfprobe } from './run.js';
import type { Box, Frame, FrameRequest } from '../detect/types.js';

/**
 * Still frames out of a clip for the detectors, and the poster with boxes drawn. Sources are local
 * paths or http(s) URLs (presigned S3 URLs work: ffmpeg seeks with range requests). Argument building
 * is pure and exported for tests; run.ts runs it (and adds `-hide_banner -nostdin -y` to ffmpeg).
 */

export interface VideoInfo {
  durationSeconds: number;
  width: number;
  height: number;
}

const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** A source as it may appear in logs and errors: credentials masked, query string (signatures) dropped. */
export function describeSource(source: string): string {
  return redactText(isUrl(source) ? source.replace(/\?.*$/, '?…') : source);
}

/** Input options for a source: network sources give up after 15 s without data instead of hanging. */
export function inputOptions(source: string): string[] {
  return isUrl(source) ? ['-rw_timeout', '15000000'] : [];
}

/** The output size for a request: fixed when `height` is given, else `width` (never upscaled) with the source aspect, even. */
export function outputSize(source: Pick<VideoInfo, 'width' | 'height'>, request: FrameRequest): { width: number; height: number } {
  if (request.height !== undefined) return { width: request.width, height: request.height };
  const width = Math.min(request.width, source.width) & ~1;
  return { width, height: Math.max(2, Math.round((source.height * width) / source.width / 2) * 2) };
}

export function probeArgs(source: string): string[] {
  return [
    '-v', 'error', ...inputOptions(source),
    '-select_streams', 'v:0',
    '-show_entries', 'stream=width,height,duration:format=duration',
    '-of', 'json', source,
  ];
}

/**
 * One ffmpeg process for all frames: one fast-seeking input per timestamp (`-ss` before `-i`, accurate
 * to the frame), each mapped to its own single-frame output file `<dir>/<i>.rgb|jpg`. A timestamp past
 * the last frame just leaves its file missing.
 */
export function frameExtractionArgs(
  source: string,
  times: readonly number[],
  request: FrameRequest,
  size: { width: number; height: number },
  dir: string,
): string[] {
  const inputs = times.flatMap((t) => [...inputOptions(source), '-ss', t.toFixed(3), '-i', source]);
  const encode =
    request.format === 'rgb24'
      ? ['-pix_fmt', 'rgb24', '-f', 'rawvideo']
      : ['-pix_fmt', 'yuvj420p', '-c:v', 'mjpeg', '-q:v', '3', '-f', 'image2'];
  const outputs = times.flatMap((_, i) => [
    '-map', `${i}:v:0`, '-frames:v', '1', '-an', '-sn', '-dn',
    '-vf', `scale=${size.width}:${size.height}:flags=bilinear,setsar=1`,
    ...encode, path.join(dir, `${i}.${request.format === 'rgb24' ? 'rgb' : 'jpg'}`),
  ]);
  return ['-loglevel', 'error', ...inputs, ...outputs];
}

/** The ffmpeg drawbox filter for normalised boxes (expressions of the picture size, so any resolution). */
export function drawboxFilter(boxes: readonly Box[], color = 'red', thickness = 3): string {
  const n = (v: number): string => Math.min(1, Math.max(0, v)).toFixed(4);
  return boxes
    .map((b) => `drawbox=x=iw*${n(b.x)}:y=ih*${n(b.y)}:w=iw*${n(b.width)}:h=ih*${n(b.height)}:color=${color}:t=${thickness}`)
    .join(',');
}

/** The poster: the frame at `offsetSeconds`, at most `maxWidth` wide, boxes drawn, one JPEG. */
export function posterArgs(source: string, offsetSeconds: number, boxes: readonly Box[], outPath: string, maxWidth = 1280): string[] {
  const filters = [`scale='min(${maxWidth},iw)':-2`, ...(boxes.length > 0 ? [drawboxFilter(boxes)] : [])].join(',');
  return [
    '-loglevel', 'error', ...inputOptions(source), '-ss', offsetSeconds.toFixed(3), '-i', source,
    '-map', '0:v:0', '-frames:v', '1', '-vf', filters, '-pix_fmt', 'yuvj420p', '-q:v', '3', '-f', 'image2', outPath,
  ];
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
  const json = JSON.parse(await masked(source, () => runFfprobe(probeArgs(source)))) as {
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
  await masked(source, () => runFfmpeg(posterArgs(source, offsetSeconds, boxes, outPath)));
}
