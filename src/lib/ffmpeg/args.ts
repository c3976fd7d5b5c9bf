import type { RecordFormat } from '../config/schema.js';

/**
 * Pure builders for every ffmpeg/ffprobe argument list the product uses (the runner in run.ts only executes them).
 * Keeping them pure makes them table-testable and keeps one place that knows ffmpeg's flags.
 */

export const SEGMENT_EXT: Record<RecordFormat, string> = { mkv: 'mkv', mp4: 'mp4', ts: 'ts' };

const SEGMENT_MUXER: Record<RecordFormat, string[]> = {
  // The matroska muxer holds a whole cluster in memory (up to 5 s; in practice a keyframe interval) and then writes it
  // through a 32 KB buffer: the growing file lagged real time by 0.4-3 s (median 1.8 s), and every event clip cut from
  // it waited that long. 200 ms clusters, each packet flushed (one write per packet): 0.04-0.3 s, at no measurable CPU.
  mkv: ['-segment_format', 'matroska', '-segment_format_options', 'cluster_time_limit=200:flush_packets=1'],
  // Fragmented MP4 stays readable while it grows (plain MP4 has no moov until it is closed).
  mp4: ['-segment_format', 'mp4', '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof'],
  ts: ['-segment_format', 'mpegts'],
};

export interface RecordArgs {
  url: string;
  transport: 'tcp' | 'udp';
  segmentSeconds: number;
  format: RecordFormat;
  /** strftime pattern of the output, e.g. `/data/recordings/front/%Y-%m-%d/%H%M%S.mkv` (ffmpeg runs with TZ=UTC). */
  outputPattern: string;
  /** CSV file ffmpeg appends `name,start,end` to as each segment closes. */
  segmentList: string;
  /** Socket timeout: a frozen camera makes ffmpeg exit instead of hanging. */
  timeoutSeconds: number;
}

export function recordInputOptions(a: Pick<RecordArgs, 'url' | 'transport' | 'timeoutSeconds'>): string[] {
  if (a.url.startsWith('rtsp')) {
    return ['-rtsp_transport', a.transport, '-timeout', String(a.timeoutSeconds * 1_000_000)];
  }
  if (a.url.startsWith('http')) return ['-rw_timeout', String(a.timeoutSeconds * 1_000_000), '-reconnect', '1'];
  // file:// inputs are simulated cameras (demo, benchmarks): play in real time, forever.
  return ['-re', '-stream_loop', '-1'];
}

export function recordInputUrl(url: string): string {
  return url.startsWith('file://') ? url.slice('file://'.length) : url;
}

/** The whole recorder command line (after `ffmpeg -hide_banner -nostdin -y`). */
export function recordArgs(a: RecordArgs): string[] {
  return [...recordInputOptions(a), '-i', recordInputUrl(a.url), ...recordOutputOptions(a), a.outputPattern];
}

export function recordOutputOptions(a: RecordArgs): string[] {
  // MP4 cannot carry G.711 and MPEG-TS loses it: their audio is re-encoded to AAC (cheap); mkv keeps the original.
  const audio = a.format === 'mkv' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k'];
  return [
    '-map', '0:v:0', '-map', '0:a:0?',
    '-c:v', 'copy', ...audio,
    '-f', 'segment',
    '-segment_time', String(a.segmentSeconds),
    '-segment_atclocktime', '1',
    '-reset_timestamps', '1',
    '-strftime', '1',
    ...SEGMENT_MUXER[a.format],
    '-segment_list', a.segmentList,
    '-segment_list_type', 'csv',
  ];
}

/** ffprobe arguments for the duration of a file; `packets` reads every video packet (for files killed mid-write). */
export function probeDurationArgs(file: string, packets: boolean): string[] {
  return packets
    ? ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file]
    : ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file];
}

/** ffprobe arguments that print `pts_time,flags` for every video packet until killed (a live keyframe watch). */
export function packetFlagsArgs(url: string, transport: 'tcp' | 'udp' = 'tcp'): string[] {
  const input = url.startsWith('rtsp') ? ['-rtsp_transport', transport, '-timeout', '5000000'] : [];
  return ['-v', 'error', ...input, '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', recordInputUrl(url)];
}

/** ffprobe arguments describing a stream: codec, size, fps, and the keyframe flags of the first packets. */
export function probeStreamArgs(url: string, packets: number, transport: 'tcp' | 'udp' = 'tcp'): string[] {
  const input = url.startsWith('rtsp') ? ['-rtsp_transport', transport, '-timeout', '5000000'] : [];
  return [
    '-v', 'error', ...input,
    '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height,avg_frame_rate,r_frame_rate:packet=pts_time,flags',
    '-read_intervals', `%+#${packets}`,
    '-of', 'json', recordInputUrl(url),
  ];
}

// ---- clips: cut, remux, poster (pure builders; see src/lib/clips) ----

/** Audio codecs an MP4 for browsers can carry as they are; anything else (G.711, …) becomes AAC. */
export const MP4_AUDIO = new Set(['aac', 'mp3']);

/** Output options that make a browser-playable MP4 from copied video: audio copied or to AAC, moov up front. */
export function mp4OutputOptions(media: { video: string | null; audio: string | null }): string[] {
  const audio = media.audio === null ? ['-an'] : MP4_AUDIO.has(media.audio) ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k'];
  // HEVC in MP4 needs the hvc1 tag for Safari/Chromium to even try it.
  const tag = media.video === 'hevc' ? ['-tag:v', 'hvc1'] : [];
  return ['-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'copy', ...tag, ...audio, '-movflags', '+faststart', '-f', 'mp4'];
}

export interface ConcatPiece {
  /** Absolute path of a recording. */
  file: string;
  /** Seconds into the file where the piece starts (the demuxer starts at the keyframe before it). */
  inpoint?: number;
  /** Seconds into the file where the piece ends. */
  outpoint?: number;
}

/** The concat demuxer's script for `pieces`, in order (paths quoted as the demuxer wants). */
export function concatScript(pieces: ConcatPiece[]): string {
  const quote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
  const secs = (n: number) => n.toFixed(3);
  return pieces
    .map((p) =>
      [`file ${quote(p.file)}`, p.inpoint ? `inpoint ${secs(p.inpoint)}` : '', p.outpoint !== undefined ? `outpoint ${secs(p.outpoint)}` : '']
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n')
    .concat('\n');
}

/** ffmpeg arguments cutting the pieces listed in `script` (see concatScript) with `-c copy` into a faststart MP4. */
export function cutArgs(script: string, output: string, media: { video: string | null; audio: string | null }): string[] {
  return ['-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', script, ...mp4OutputOptions(media), output];
}

/** ffmpeg arguments remuxing any video file into a browser-playable MP4 (video copied). */
export function remuxArgs(input: string, output: string, media: { video: string | null; audio: string | null }): string[] {
  return ['-loglevel', 'error', '-i', input, ...mp4OutputOptions(media), output];
}

/**
 * ffmpeg arguments re-encoding any video file into a browser-playable H.264 MP4 (for H.265 and other codecs
 * browsers cannot decode): libx264 `veryfast` CRF 23, yuv420p, audio as mp4OutputOptions has it, moov up front.
 */
export function h264Args(input: string, output: string, media: { video: string | null; audio: string | null }): string[] {
  const copy = mp4OutputOptions({ ...media, video: 'h264' });
  const at = copy.indexOf('copy');
  const encode = ['libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'];
  return ['-loglevel', 'error', '-i', input, ...copy.slice(0, at), ...encode, ...copy.slice(at + 1), output];
}

/** ffmpeg arguments writing one JPEG (at most 640 px wide) from `input` at `atSeconds`. */
export function posterArgs(input: string, atSeconds: number, output: string): string[] {
  return ['-loglevel', 'error', '-threads', '1', '-ss', atSeconds.toFixed(3), '-i', input, '-frames:v', '1', '-vf', "scale='min(640,iw)':-2", '-q:v', '5', '-f', 'image2', output];
}

/** ffmpeg arguments drawing a sample picture (ffmpeg's testsrc2 pattern, 640x360) as one JPEG: `cctv alert test`. */
export function sampleJpegArgs(output: string): string[] {
  return ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=1', '-frames:v', '1', '-q:v', '5', '-f', 'image2', output];
}

/** ffprobe arguments describing a file: container, duration, and the codec of each stream. */
export function probeMediaArgs(file: string): string[] {
  return ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_type,codec_name', '-of', 'json', file];
}

/** ffprobe arguments listing the video packet times of `file` from `fromSeconds` on (a seek, then a short scan). */
export function packetTimesArgs(file: string, fromSeconds: number): string[] {
  return ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', `${Math.max(0, fromSeconds).toFixed(3)}%`,
    '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file];
}
