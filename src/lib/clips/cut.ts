import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../catalog/db.js';
import { MP4_AUDIO, concatScript, cutArgs, packetTimesArgs, posterArgs, probeMediaArgs, remuxArgs } from '../ffmpeg/args.js';
import { BROWSER_CODECS } from '../ffmpeg/probe.js';
import { runFfmpeg, runFfprobe } from '../ffmpeg/run.js';
import { readMp4Info } from './mp4-info.js';
import type { CutPlan, Recording, Span } from './window.js';

/**
 * The ffmpeg side of clips: what a file holds, how far a growing recording reaches, the `-c copy` cut of a plan
 * into a faststart MP4, posters, and remuxing drop-folder clips that browsers cannot play.
 */

export interface MediaInfo {
  /** ffprobe's format_name, e.g. `matroska,webm` or `mov,mp4,m4a,3gp,3g2,mj2`. */
  format: string;
  durationSeconds: number | null;
  video: string | null;
  audio: string | null;
}

export async function probeMedia(file: string): Promise<MediaInfo> {
  const out = JSON.parse(await runFfprobe(probeMediaArgs(file))) as {
    format?: { format_name?: string; duration?: string };
    streams?: { codec_type?: string; codec_name?: string }[];
  };
  const codec = (type: string) => out.streams?.find((s) => s.codec_type === type)?.codec_name ?? null;
  const duration = Number.parseFloat(out.format?.duration ?? '');
  return {
    format: out.format?.format_name ?? '',
    durationSeconds: Number.isFinite(duration) ? duration : null,
    video: codec('video'),
    audio: codec('audio'),
  };
}

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
 * The recordings of `camera` that touch `window`, with the end each really reaches: the catalogued end of a closed
 * segment, the probed end of one still being written (its catalogued end is only when it was opened).
 */
export async function recordingsFor(db: Db, dataDir: string, camera: string, window: Span): Promise<Recording[]> {
  const rows = db
    .prepare(
      `SELECT path, start_ms AS startMs, end_ms AS endMs, closed FROM segments
       WHERE camera = ? AND start_ms < ? AND (end_ms > ? OR closed = 0) ORDER BY start_ms`,
    )
    .all(camera, window.toMs, window.fromMs) as (Recording & { closed: number })[];
  return Promise.all(
    rows.map(async ({ closed, ...r }) =>
      closed ? r : { ...r, endMs: await recordedUntil(path.join(dataDir, r.path), r.startMs, (window.fromMs - r.startMs) / 1000 - 5) },
    ),
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
  await runFfmpeg(posterArgs(video, at, output));
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
