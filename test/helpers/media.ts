import { execFileSync } from 'node:child_process';

/** ffprobe facts about a recording, read independently of the product's own code. */
export function probeFile(file: string): { duration: number; videoFrames: number; firstIsKey: boolean; codecs: string[] } {
  const out = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,codec_name,nb_read_packets:format=duration', '-of', 'json', file], { encoding: 'utf8' }),
  ) as { streams: { codec_type: string; codec_name: string; nb_read_packets: string }[]; format: { duration?: string } };
  const video = out.streams.find((s) => s.codec_type === 'video');
  const first = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-read_intervals', '%+#1', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim();
  return {
    duration: Number(out.format.duration ?? NaN),
    videoFrames: Number(video?.nb_read_packets ?? 0),
    firstIsKey: first.startsWith('K'),
    codecs: out.streams.map((s) => s.codec_name),
  };
}

/** Decodes the whole file; returns ffmpeg's error output (empty when it decodes cleanly) and the decoded frame count. */
export function decode(file: string): { errors: string; frames: number } {
  const r = execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-f', 'null', '-', '-progress', 'pipe:1'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const frames = [...r.matchAll(/^frame=(\d+)/gm)].map((m) => Number(m[1]));
  return { errors: '', frames: frames[frames.length - 1] ?? 0 };
}

/**
 * Checks that `bytes` are a whole JPEG: SOI (FF D8) at the start, EOI (FF D9) at the end, and ffmpeg decodes it
 * without an error. Returns what ffprobe says of it.
 */
export function decodeJpeg(bytes: Buffer | Uint8Array): { codec: string; width: number; height: number } {
  const b = Buffer.from(bytes);
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8 || b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) {
    throw new Error(`not a whole JPEG (${b.length} bytes, starts ${b.subarray(0, 2).toString('hex')}, ends ${b.subarray(-2).toString('hex')})`);
  }
  execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-nostdin', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', 'pipe:0', '-f', 'null', '-'], { input: b });
  const out = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-f', 'image2pipe', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', 'pipe:0'], { input: b, encoding: 'utf8' }),
  ) as { streams: { codec_name: string; width: number; height: number }[] };
  const s = out.streams[0]!;
  return { codec: s.codec_name, width: s.width, height: s.height };
}
