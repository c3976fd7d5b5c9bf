import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { keyframeBeforeArgs, packetFlagsArgs, probeMediaArgs, probeStreamArgs } from './args.js';
import { FFPROBE, runFfprobe } from './run.js';

export interface StreamInfo {
  codec: string;
  width: number;
  height: number;
  fps: number;
  /** Seconds between keyframes seen in the first packets; null when fewer than two keyframes were seen. */
  keyframeInterval: number | null;
}

/** What a media file holds: container and the codec of its first video and audio stream (ffprobe's names). */
export interface MediaInfo {
  /** ffprobe's format_name, e.g. `matroska,webm` or `mov,mp4,m4a,3gp,3g2,mj2`. */
  format: string;
  durationSeconds: number | null;
  video: string | null;
  audio: string | null;
}

/** A media file's container, duration and codecs, as ffprobe reports them. */
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

/** The time (seconds into `file`) of the video keyframe at or before `seconds`, or null when none is found there. */
export async function keyframeAtOrBefore(file: string, seconds: number): Promise<number | null> {
  const text = await runFfprobe(keyframeBeforeArgs(file, seconds), { timeoutMs: 15_000 }).catch(() => '');
  const [pts, flags] = text.trim().split('\n')[0]?.split(',') ?? [];
  const t = Number.parseFloat(pts ?? '');
  return Number.isFinite(t) && flags?.startsWith('K') ? t : null;
}

/** Probes a camera stream or file: codec, size, frame rate and keyframe interval (reads `packets` packets). */
export async function probeStream(url: string, packets = 150): Promise<StreamInfo> {
  const out = JSON.parse(await runFfprobe(probeStreamArgs(url, packets), { timeoutMs: 20_000 })) as {
    streams?: { codec_name?: string; width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string }[];
    packets?: { pts_time?: string; flags?: string }[];
  };
  const s = out.streams?.[0];
  if (!s) throw new Error('no video stream');
  return {
    codec: s.codec_name ?? 'unknown',
    width: s.width ?? 0,
    height: s.height ?? 0,
    fps: parseRate(s.avg_frame_rate) || parseRate(s.r_frame_rate),
    keyframeInterval: keyframeInterval(out.packets ?? []),
  };
}

export function parseRate(rate: string | undefined): number {
  const [n, d] = (rate ?? '0/1').split('/').map(Number);
  return n && d ? Math.round((n / d) * 100) / 100 : 0;
}

export function keyframeInterval(packets: { pts_time?: string; flags?: string }[]): number | null {
  const keys = packets.filter((p) => p.flags?.startsWith('K') && p.pts_time !== undefined).map((p) => Number(p.pts_time));
  if (keys.length < 2) return null;
  return Math.round(((keys[keys.length - 1]! - keys[0]!) / (keys.length - 1)) * 100) / 100;
}

/**
 * Watches a live stream until two keyframes have passed (their distance in seconds) or `maxSeconds` elapse (null:
 * keyframes are further apart than that). For cameras whose GOP is too long for probeStream's first packets.
 */
export function measureKeyframeInterval(url: string, maxSeconds: number): Promise<number | null> {
  return new Promise((resolve) => {
    const proc = spawn(FFPROBE, packetFlagsArgs(url), { stdio: ['ignore', 'pipe', 'ignore'] });
    const keys: number[] = [];
    const finish = (v: number | null) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), maxSeconds * 1000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const [pts, flags] = line.split(',');
      if (!flags?.startsWith('K') || pts === undefined) return;
      keys.push(Number(pts));
      if (keys.length === 2) finish(Math.round((keys[1]! - keys[0]!) * 100) / 100);
    });
    proc.once('close', () => finish(null));
  });
}
