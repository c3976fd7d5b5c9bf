import { recordInputOptions, recordInputUrl } from './args.js';

/**
 * ffmpeg arguments of the motion source: one decoder per camera turning its stream into small raw grey pictures on
 * stdout. Every decoded picture is passed out; the source drops what it does not sample in Node, because ffmpeg
 * filters that drop frames (fps, select, framestep) hold each picture back until the next one is decoded
 * (0.3–0.7 s of delay, GUIDE part C). Pure.
 */
export interface MotionDecode {
  /**
   * rtsp(s)://, http(s):// or file:// (a simulated camera, played in real time, looped); a plain path is decoded as
   * fast as possible (benchmarks); `pipe:0` reads a recording the source feeds on stdin (with `format`).
   */
  url: string;
  /** The container on stdin (`matroska`, `mp4`, `mpegts`): a pipe cannot be probed by its name. */
  format?: string;
  transport: 'tcp' | 'udp';
  /** Decode keyframes only (`-skip_frame nokey`): the cheap way to watch a main stream when there is no sub stream. */
  keyframesOnly: boolean;
  width: number;
  height: number;
  /** Socket timeout: a frozen camera makes ffmpeg exit instead of hanging. */
  timeoutSeconds: number;
}

export function motionDecodeArgs(d: MotionDecode): string[] {
  const live = /^[a-z][a-z0-9+.-]*:\/\//i.test(d.url);
  return [
    '-loglevel', 'error', '-nostats',
    ...(live ? recordInputOptions(d) : []),
    // One decoder thread, and no deblocking: at 128×72 nobody sees block edges (8-10 % less decoding).
    '-threads', '1', '-skip_loop_filter', 'all',
    ...(d.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    ...(d.format ? ['-f', d.format] : []),
    '-i', live ? recordInputUrl(d.url) : d.url,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    // rawvideo has no timestamps: without passthrough ffmpeg would duplicate pictures to keep a constant rate.
    '-fps_mode', 'passthrough',
    '-filter_threads', '1', '-vf', `scale=${d.width}:${d.height}:flags=area,format=gray`,
    '-f', 'rawvideo', 'pipe:1',
  ];
}
