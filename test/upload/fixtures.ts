import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Db } from '../../src/lib/catalog/db.js';
import { upsertSegment } from '../../src/lib/catalog/segments.js';

const exec = promisify(execFile);

/**
 * Writes real recordings quickly: ffmpeg lavfi (testsrc2 + a sine tone as G.711 A-law, keyframe every 2 s at 25 fps)
 * into `<dataDir>/recordings/<camera>/<YYYY-MM-DD>/<HHMMSS>.mkv`, catalogued as closed segments, as `cctv record` does.
 */
export async function makeSegment(db: Db, dataDir: string, camera: string, startMs: number, seconds: number): Promise<string> {
  const iso = new Date(startMs).toISOString();
  const rel = path.join('recordings', camera, iso.slice(0, 10), `${iso.slice(11, 19).replace(/:/g, '')}.mkv`);
  const abs = path.join(dataDir, rel);
  mkdirSync(path.dirname(abs), { recursive: true });
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=f=440:r=8000',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_alaw', abs,
  ]);
  upsertSegment(db, { camera, path: rel, startMs, endMs: startMs + seconds * 1000, bytes: statSync(abs).size, closed: true });
  return rel;
}

/** A browser-playable clip file (H.264 + AAC in MP4) as a camera would drop it. */
export async function makeMp4(file: string, seconds: number): Promise<void> {
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=f=440',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', file,
  ]);
}

export async function ffmpeg(args: string[]): Promise<void> {
  await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/** Container, duration and codecs of a media file, as ffprobe sees it. */
export async function probe(file: string): Promise<{ format: string; duration: number; video?: string; audio?: string }> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_type,codec_name', '-of', 'json', file]);
  const j = JSON.parse(stdout) as { format: { format_name: string; duration: string }; streams: { codec_type: string; codec_name: string }[] };
  return {
    format: j.format.format_name,
    duration: Number(j.format.duration),
    video: j.streams.find((s) => s.codec_type === 'video')?.codec_name,
    audio: j.streams.find((s) => s.codec_type === 'audio')?.codec_name,
  };
}

export const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** rclone (an independent S3 client) configured for a test server through the environment. */
export function rcloneEnv(s: { endpoint: string; env: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_S3_PROVIDER: 'Other',
    RCLONE_S3_ACCESS_KEY_ID: s.env.AWS_ACCESS_KEY_ID,
    RCLONE_S3_SECRET_ACCESS_KEY: s.env.AWS_SECRET_ACCESS_KEY,
    RCLONE_S3_ENDPOINT: s.endpoint,
    RCLONE_S3_FORCE_PATH_STYLE: 'true',
  };
  delete env.AWS_CA_BUNDLE;
  return env;
}

/** Every object under `remote` (`:s3:bucket/prefix`) with its size and sha256, read by rclone. */
export async function rcloneListing(env: NodeJS.ProcessEnv, remote: string): Promise<Map<string, { bytes: number; sha256: string }>> {
  const ls = JSON.parse((await exec('rclone', ['lsjson', '-R', '--files-only', remote], { env })).stdout) as { Path: string; Size: number }[];
  const sums = (await exec('rclone', ['hashsum', 'sha256', '--download', remote], { env })).stdout.trim().split('\n').filter(Boolean);
  const sha = new Map(sums.map((l) => [l.slice(66), l.slice(0, 64)]));
  return new Map(ls.map((e) => [e.Path, { bytes: e.Size, sha256: sha.get(e.Path) ?? '' }]));
}

/** Downloads one object with rclone (to probe it with ffprobe). */
export async function rcloneGet(env: NodeJS.ProcessEnv, remote: string, to: string): Promise<void> {
  await exec('rclone', ['copyto', remote, to], { env });
}
