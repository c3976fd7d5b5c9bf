/**
 * ffmpeg arguments of live analysis (src/lib/live): the decoder that turns the recording being written (Matroska bytes
 * fed on stdin by the tail reader) into raw pictures for the detector (the alert's snapshot is made in-process:
 * live/snapshot.ts).
 * Every decoded picture is passed out and Node keeps the newest: filters that drop frames (fps, select) hold each
 * picture back until the next one is decoded (0.3–0.7 s, GUIDE part C). Pure.
 */
export interface LiveDecode {
  width: number;
  height: number;
  /** Decode keyframes only (`-skip_frame nokey`): the degraded mode under load (~1.5 % of a core instead of ~10 % for 1080p25). */
  keyframesOnly: boolean;
}

export function liveDecodeArgs(d: LiveDecode): string[] {
  return [
    // info: the input's description (its picture size, for the snapshot) is read from stderr.
    '-loglevel', 'info', '-nostats',
    // Start decoding at once: the Matroska header says what the stream is, so nothing is read ahead to probe it (a
    // probesize of 32 KB waited for 32 KB: up to a second of a sub stream) and nothing is held back for reordering.
    '-flags', 'low_delay', '-probesize', '32', '-analyzeduration', '1', '-fpsprobesize', '0',
    '-threads', '1',
    ...(d.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    '-f', 'matroska', '-i', 'pipe:0',
    '-map', '0:v:0', '-an', '-sn', '-dn',
    // rawvideo has no timestamps: without passthrough ffmpeg would duplicate pictures to keep a constant rate.
    '-fps_mode', 'passthrough',
    '-filter_threads', '1', '-vf', `scale=${d.width}:${d.height}:flags=bilinear,format=rgb24`,
    '-f', 'rawvideo', 'pipe:1',
  ];
}

/** The picture size of the first video stream in ffmpeg's description of its input (`Stream #0:0: Video: h264 …, 640x360, …`). */
export function videoSizeFromStderr(line: string): { width: number; height: number } | null {
  if (!/Stream #\d+:\d+.*: Video:/.test(line)) return null;
  const m = /, (\d{2,5})x(\d{2,5})[,\s]/.exec(line);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}
