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
