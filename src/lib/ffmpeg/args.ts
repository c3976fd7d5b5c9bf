import path from 'node:path';
import type { RecordFormat } from '../config/schema.js';
import type { Box, FrameRequest } from '../detect/types.js';

/**
 * Pure builders for every ffmpeg/ffprobe argument list the product uses (run.ts and the few callers that spawn
 * ffmpeg themselves only execute them): recording, probing, clips (cut, remux, posters), playback, detector frames,
 * and the demo's footage. Keeping them pure makes them table-testable (test/ffmpeg/args.test.ts) and keeps one place
 * that knows ffmpeg's flags. Beside it: the motion source's decoder (motion.ts) and the synthetic scenes of the motion
 * benchmark and tests (scenes.ts).
 */

// ---- recording (see src/lib/record) ----

export const SEGMENT_EXT: Record<RecordFormat, string> = { mkv: 'mkv', mp4: 'mp4', ts: 'ts' };

const SEGMENT_MUXER: Record<RecordFormat, string[]> = {
  // The matroska muxer holds a whole cluster in memory (up to 5 s; in practice a keyframe interval) and then writes it
  // through a 32 KB buffer: the growing file lagged real time by 0.4-3 s (median 1.8 s), and every event clip cut from
  // it waited that long. A cluster ends when a packet more than cluster_time_limit after its start arrives: with 30 ms,
  // every video frame (up to 30 fps) is written when the next packet arrives, each packet flushed (one write per
  // packet). 200 ms clusters lagged 0.1-0.13 s more (live analysis, issue 12); ~20 bytes a cluster, < 0.5 % of a stream.
  mkv: ['-segment_format', 'matroska', '-segment_format_options', 'cluster_time_limit=30:flush_packets=1'],
  // Fragmented MP4 stays readable while it grows (plain MP4 has no moov until it is closed).
  mp4: ['-segment_format', 'mp4', '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof'],
  ts: ['-segment_format', 'mpegts'],
};

export interface RecordArgs {
  url: string;
  transport: 'tcp' | 'udp';
  segmentSeconds: number;
  format: RecordFormat;
  /**
   * Numbered pattern of the output in the run's own folder, e.g. `/data/recordings/front/.run-x/%06d.mkv`: names
   * that never repeat whatever the clock does (the recorder links each file to its time-named path, record/paths.ts).
   */
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

/**
 * A camera's first packets after joining a stream with B-frames come without a presentation time (the RTSP demuxer
 * learns it only from later packets): the segment muxers refused them ("Can't write packet with unknown timestamp")
 * and every recording of such a camera failed at once, again and again. The packet's decoding time stands in for it
 * (the setts bitstream filter, ffmpeg 4.4+; packets that have one are left as they are).
 */
const FILL_MISSING_PTS = ['-bsf:v', 'setts=pts=if(eq(PTS\\,NOPTS)\\,DTS\\,PTS)'];

export function recordOutputOptions(a: RecordArgs): string[] {
  // MP4 cannot carry G.711 and MPEG-TS loses it: their audio is re-encoded to AAC (cheap); mkv keeps the original.
  const audio = a.format === 'mkv' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k'];
  return [
    '-map', '0:v:0', '-map', '0:a:0?',
    '-c:v', 'copy', ...FILL_MISSING_PTS, ...audio,
    '-f', 'segment',
    '-segment_time', String(a.segmentSeconds),
    '-segment_atclocktime', '1',
    '-reset_timestamps', '1',
    ...SEGMENT_MUXER[a.format],
    '-segment_list', a.segmentList,
    '-segment_list_type', 'csv',
  ];
}

// ---- probing ----

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

/** Video codecs browsers play: H.264 (and VP9/AV1); H.265 needs a transcode for playback. */
export const BROWSER_CODECS = new Set(['h264', 'vp9', 'av1']);

/** Audio options of an MP4 for browsers: none, copied (AAC, MP3) or re-encoded to AAC. */
function mp4AudioOptions(audio: string | null): string[] {
  return audio === null ? ['-an'] : MP4_AUDIO.has(audio) ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k'];
}

/** Output options that make a browser-playable MP4 from copied video: audio copied or to AAC, moov up front. */
export function mp4OutputOptions(media: { video: string | null; audio: string | null }): string[] {
  const audio = mp4AudioOptions(media.audio);
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

/** ffmpeg arguments writing a clip's poster: one JPEG (at most 640 px wide) from `input` at `atSeconds`. */
export function clipPosterArgs(input: string, atSeconds: number, output: string): string[] {
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

// ---- playback, thumbnails and exports (see src/lib/serve/media.ts, src/lib/export) ----

/** ffprobe arguments printing `pts_time,flags` of the first video packet at or before `seconds`: the keyframe there. */
export function keyframeBeforeArgs(file: string, seconds: number): string[] {
  return ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', `${Math.max(0, seconds).toFixed(3)}%+#1`,
    '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file];
}

/** Fragmented MP4 on stdout: the init segment first, then a fragment per keyframe (`fragSeconds` at most). */
const fragmentedMp4 = (fragSeconds: number) =>
  ['-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', String(Math.round(fragSeconds * 1e6)), '-f', 'mp4', 'pipe:1'];

/** The concat script (see concatScript) comes on stdin, so its paths must be absolute file: URLs. */
const concatFromStdin = ['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,pipe', '-i', 'pipe:0'];

/**
 * ffmpeg arguments that remux the concat script read on stdin into fragmented MP4 on stdout (a continuous recording
 * played in the browser): video copied when browsers play its codec (else H.264), audio copied when MP4 carries it
 * (else AAC). Fragments of at most 1 s, so the first frame comes quickly.
 */
export function playbackArgs(media: { video: string | null; audio: string | null }): string[] {
  const video = media.video !== null && BROWSER_CODECS.has(media.video)
    ? ['-c:v', 'copy']
    : ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'];
  return ['-loglevel', 'error', ...concatFromStdin, '-map', '0:v:0', '-map', '0:a:0?', ...video, ...mp4AudioOptions(media.audio), ...fragmentedMp4(1)];
}

/**
 * ffmpeg arguments for an export (evidence): the concat script on stdin, video always copied (never re-encoded, an
 * H.265 camera's export stays H.265), audio copied when MP4 carries it (else AAC), fragmented MP4 on stdout (so it
 * streams: written to a file by `cctv export`, into a zip by the web app) with bit-exact muxing, so the same range
 * exported twice gives the same bytes.
 */
export function exportArgs(media: { video: string | null; audio: string | null }): string[] {
  const tag = media.video === 'hevc' ? ['-tag:v', 'hvc1'] : [];
  return ['-loglevel', 'error', ...concatFromStdin, '-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'copy', ...tag, ...mp4AudioOptions(media.audio),
    '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact', ...fragmentedMp4(2)];
}

/**
 * ffmpeg arguments writing a timeline thumbnail to stdout: the keyframe at or before `seconds` (only keyframes are
 * decoded, no accurate seek: about a tenth of a decode), `width` px wide, a small JPEG.
 */
export function thumbnailArgs(file: string, seconds: number, width: number): string[] {
  return ['-loglevel', 'error', '-threads', '1', '-skip_frame', 'nokey', '-noaccurate_seek', '-ss', Math.max(0, seconds).toFixed(3), '-i', file,
    '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:-2`, '-q:v', '7', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'];
}

// ---- live (see src/lib/serve/live) ----

/**
 * ffmpeg arguments for a live view: the camera's stream copied (no decoding) into fragmented MP4 on stdout with one
 * fragment per frame, flushed at once (a fragment per keyframe would hold a whole GOP back). `fastStart` skips
 * stream probing (it cost ~1.3 s on the test camera; it needs the codec parameters in the RTSP SDP, which most
 * cameras send, so the caller retries without it). Video only: browsers autoplay muted, and G.711 would need a transcode.
 */
export function liveArgs(a: { url: string; transport: 'tcp' | 'udp'; fastStart: boolean }): string[] {
  return [
    '-loglevel', 'error', ...recordInputOptions({ ...a, timeoutSeconds: 5 }),
    ...(a.fastStart ? ['-probesize', '32', '-analyzeduration', '0'] : []), '-fflags', 'nobuffer',
    '-i', recordInputUrl(a.url), '-map', '0:v:0', '-an', '-c:v', 'copy',
    '-movflags', 'frag_keyframe+empty_moov+default_base_moof+frag_every_frame', '-flush_packets', '1', '-f', 'mp4', 'pipe:1',
  ];
}

// ---- detector frames (see frames.ts) ----

/** Whether a clip source is an http(s) URL (a presigned S3 URL, say) rather than a local path. */
export const isNetworkSource = (source: string): boolean => /^https?:\/\//i.test(source);

/** Input options for a clip source: network sources give up after 15 s without data instead of hanging. */
export function sourceInputOptions(source: string): string[] {
  return isNetworkSource(source) ? ['-rw_timeout', '15000000'] : [];
}

/** ffprobe arguments describing a clip's first video stream: size and duration. */
export function probeVideoArgs(source: string): string[] {
  return [
    '-v', 'error', ...sourceInputOptions(source),
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
  const inputs = times.flatMap((t) => [...sourceInputOptions(source), '-ss', t.toFixed(3), '-i', source]);
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

/** The detector's poster: the frame at `offsetSeconds`, at most `maxWidth` wide, the boxes drawn, one JPEG. */
export function boxedPosterArgs(source: string, offsetSeconds: number, boxes: readonly Box[], outPath: string, maxWidth = 1280): string[] {
  const filters = [`scale='min(${maxWidth},iw)':-2`, ...(boxes.length > 0 ? [drawboxFilter(boxes)] : [])].join(',');
  return [
    '-loglevel', 'error', ...sourceInputOptions(source), '-ss', offsetSeconds.toFixed(3), '-i', source,
    '-map', '0:v:0', '-frames:v', '1', '-vf', filters, '-pix_fmt', 'yuvj420p', '-q:v', '3', '-f', 'image2', outPath,
  ];
}

// ---- the demo's simulated cameras (see src/lib/demo) ----

/** ffmpeg arguments writing the synthetic yard (40 s loop, 640x360, 10 fps, a keyframe every second). */
export function yardArgs(out: string): string[] {
  return [
    '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'color=c=0x55704a:s=640x360:r=10',
    '-f', 'lavfi', '-i', 'color=c=0xd8d8d8:s=40x100:r=10',
    '-filter_complex', "[0][1]overlay=x='if(between(mod(t,40),20,27),(mod(t,40)-20)*100-40,-100)':y=200:shortest=1",
    '-t', '40', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'mp4', out,
  ];
}

/** ffmpeg arguments transcoding vtest.avi (MPEG-4 part 2) to H.264 with a keyframe every second. */
export function walkwayArgs(vtest: string, out: string): string[] {
  return ['-loglevel', 'error', '-i', vtest, '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'mp4', out];
}
