import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SegmentRow } from '../catalog/segments.js';
import { BROWSER_CODECS, MP4_AUDIO, clipPosterArgs, concatScript, cutArgs, packetTimesArgs, remuxArgs } from '../ffmpeg/args.js';
import { probeMedia, type MediaInfo } from '../ffmpeg/probe.js';
import { runFfmpeg, runFfprobe } from '../ffmpeg/run.js';
import type { Span } from '../time.js';
import { readMp4Info } from './mp4-info.js';
import type { CutPlan, Recording } from './window.js';

/**
 * The ffmpeg side of clips: what a file holds, how far a growing recording reaches, the `-c copy` cut of a plan
 * into a faststart MP4, posters, and remuxing drop-folder clips that browsers cannot play.
 */

/** probeMedia's answer, read in-process for the plain MP4s readMp4Info knows (no ffprobe process), else from ffprobe. */
export async function mediaInfo(file: string): Promise<MediaInfo> {
  return (await readMp4Info(file).catch(() => undefined)) ?? probeMedia(file);
}

/** Container and codecs of recordings, by path: they do not change while a segment grows, so one probe serves every cut. */
const recordingMedia = new Map<string, Promise<MediaInfo>>();
const RECORDING_MEDIA_MAX = 64;

function recordingInfo(file: string): Promise<MediaInfo> {
  let info = recordingMedia.get(file);
  if (!info) {
    info = probeMedia(file);
    info.catch(() => recordingMedia.delete(file));
    if (recordingMedia.size >= RECORDING_MEDIA_MAX) recordingMedia.delete(recordingMedia.keys().next().value!);
    recordingMedia.set(file, info);
  }
  return info;
}

/**
 * How far (ms since the epoch) a recording that is still being written reaches: its start plus the end of the last
 * video packet on disk, scanned from `fromSeconds` into the file (mkv, ts and fragmented mp4 can be read while they
 * grow). `startMs` when nothing is there yet.
 */
export async function recordedUntil(file: string, startMs: number, fromSeconds: number): Promise<number> {
  const text = await runFfprobe(packetTimesArgs(file, fromSeconds)).catch(() => '');
  let end = 0;
  for (const line of text.trim().split('\n')) {
    const [pts, dur] = line.split(',').map(Number.parseFloat);
    if (pts !== undefined && Number.isFinite(pts)) end = Math.max(end, pts + (dur !== undefined && Number.isFinite(dur) ? dur : 0));
  }
  return startMs + end * 1000;
}

/**
 * Catalogued segments (those that touch `window`) as the planner sees them, with the end each really reaches: the
 * catalogued end of a closed segment, the probed end of one still being written (its catalogued end lags).
 */
export async function recordedEnds(dataDir: string, segments: readonly SegmentRow[], window: Span): Promise<Recording[]> {
  return Promise.all(
    segments.map(async ({ path: rel, startMs, endMs, closed }) => ({
      path: rel,
      startMs,
      endMs: closed ? endMs : await recordedUntil(path.join(dataDir, rel), startMs, (window.fromMs - startMs) / 1000 - 5),
    })),
  );
}

/**
 * Cuts `plan` (paths relative to `dataDir`) into `output` (MP4, faststart) with `-c copy`: each piece from the
 * keyframe at or before its in point; audio that MP4 cannot carry becomes AAC. Returns the clip's duration.
 */
export async function cutClip(dataDir: string, plan: CutPlan, output: string, workDir: string): Promise<number> {
  const first = plan.pieces[0];
  if (!first) throw new Error('nothing to cut');
  const media = await recordingInfo(path.join(dataDir, first.path));
  const script = path.join(workDir, 'concat.txt');
  await writeFile(script, concatScript(plan.pieces.map((p) => ({ file: path.join(dataDir, p.path), inpoint: p.inpoint, outpoint: p.outpoint }))));
  await runFfmpeg(cutArgs(script, output, media));
  return (await mediaInfo(output)).durationSeconds ?? 0;
}

/** Writes a JPEG poster of `video` at `atSeconds` (clamped into the video). */
export async function makePoster(video: string, atSeconds: number, durationSeconds: number, output: string): Promise<void> {
  const at = Math.max(0, Math.min(atSeconds, durationSeconds - 0.5));
  await runFfmpeg(clipPosterArgs(video, at, output));
}

/** Whether browsers play `media` as it is: an MP4 with H.264/VP9/AV1 video and AAC/MP3 audio (or none). */
export function browserPlayable(media: MediaInfo): boolean {
  return media.format.split(',').includes('mp4') && media.video !== null && BROWSER_CODECS.has(media.video) &&
    (media.audio === null || MP4_AUDIO.has(media.audio));
}

/** The file itself when browsers can play it, else a remuxed copy in `workDir` (video copied, audio to AAC). */
export async function playableFile(file: string, media: MediaInfo, workDir: string): Promise<string> {
  if (browserPlayable(media)) return file;
  const out = path.join(workDir, 'remuxed.mp4');
  await runFfmpeg(remuxArgs(file, out, media));
  return out;
}
