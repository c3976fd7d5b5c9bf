import { statSync } from 'node:fs';
import path from 'node:path';
import { cameraDir, isRecording, safeReaddir } from '../record/paths.js';

/**
 * The motion source reading the recorder's own growing segment instead of opening a second stream from the camera
 * (`events.motion.input`): a camera recorded on this machine is already received once; decoding keyframes of the
 * file costs about half of decoding them from a second RTSP session (bench/motion.mjs --cpu-only). The decisions
 * here are pure (table tests: test/motion/recording.test.ts); the follower itself is in source.ts.
 */

/** `events.motion.input`: where the pictures come from. */
export type MotionInput = 'auto' | 'recording' | 'stream';

/** What to decode now: the recording, the camera's stream, or nothing yet (input `recording` while it is not recorded). */
export type InputChoice = 'recording' | 'stream' | 'wait';

/**
 * The input for a camera whose newest recording was last written at `writtenMs` (null: none): the recording when it
 * counts as being recorded (record/paths.ts isRecording: written within record.stallSeconds, at least 10 s), else the
 * stream (`auto`) or a wait for the recorder (`recording`).
 */
export function chooseInput(mode: MotionInput, writtenMs: number | null, stallSeconds: number, nowMs: number): InputChoice {
  if (mode === 'stream') return 'stream';
  if (isRecording(writtenMs, stallSeconds, nowMs)) return 'recording';
  return mode === 'auto' ? 'stream' : 'wait';
}

/** The container of a segment, as ffmpeg's `-f` names it (stdin cannot be probed by its name). */
export function segmentFormat(file: string): 'matroska' | 'mp4' | 'mpegts' | null {
  const ext = path.extname(file).toLowerCase();
  return ext === '.mkv' ? 'matroska' : ext === '.mp4' ? 'mp4' : ext === '.ts' ? 'mpegts' : null;
}

/**
 * Where a follower starts reading a segment that is being written: the container's header (`[0, header)`: what a
 * demuxer needs before any media) and then `from` (an absolute offset at a unit the demuxer can start at: a Matroska
 * Cluster, an MP4 `moof`, an MPEG-TS packet), as near the end as the bytes allow — not 15 minutes back.
 * `head` is the start of the file, `tail` the bytes at `tailAt` up to its current end. Null when no start is found
 * (the header is not complete yet, or no unit in the tail): start the whole file from the beginning.
 */
export interface Cut {
  header: number;
  from: number;
}

const CLUSTER = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

export function recordingCut(format: 'matroska' | 'mp4' | 'mpegts', head: Buffer, tail: Buffer, tailAt: number): Cut | null {
  const header = headerLength(format, head);
  if (header === null) return null;
  const last = lastUnit(format, tail);
  if (last === null || tailAt + last < header) return null;
  return { header, from: tailAt + last };
}

/** Bytes before the first media unit (0 for MPEG-TS, whose tables repeat); null when `head` does not reach it. */
function headerLength(format: 'matroska' | 'mp4' | 'mpegts', head: Buffer): number | null {
  if (format === 'mpegts') return 0;
  if (format === 'matroska') {
    for (let i = head.indexOf(CLUSTER); i >= 0; i = head.indexOf(CLUSTER, i + 1)) if (isCluster(head, i)) return i;
    return null;
  }
  // MP4: the top-level boxes (ftyp, moov, free…) before the first moof.
  for (let o = 0; o + 8 <= head.length; ) {
    const size = head.readUInt32BE(o);
    if (head.toString('latin1', o + 4, o + 8) === 'moof') return o;
    if (size < 8) return null;
    o += size;
  }
  return null;
}

/** The offset in `tail` of its last complete-looking media unit header, or null. */
function lastUnit(format: 'matroska' | 'mp4' | 'mpegts', tail: Buffer): number | null {
  if (format === 'matroska') {
    for (let i = tail.lastIndexOf(CLUSTER); i >= 0; i = i > 0 ? tail.lastIndexOf(CLUSTER, i - 1) : -1) if (isCluster(tail, i)) return i;
    return null;
  }
  if (format === 'mp4') {
    const MOOF = Buffer.from('moof', 'latin1');
    for (let i = tail.lastIndexOf(MOOF); i >= 4; i = tail.lastIndexOf(MOOF, i - 1)) {
      const at = i - 4;
      const size = tail.readUInt32BE(at);
      // A moof is followed by its mdat (when the tail reaches that far).
      if (size >= 16 && (at + size + 8 > tail.length || tail.toString('latin1', at + size + 4, at + size + 8) === 'mdat')) return at;
    }
    return null;
  }
  // MPEG-TS: a sync byte every 188 bytes, three times in a row.
  for (let i = tail.length - 3 * 188; i >= 0; i--) if (tail[i] === 0x47 && tail[i + 188] === 0x47 && tail[i + 376] === 0x47) return i;
  return null;
}

/**
 * A Matroska Cluster at `i`: its ID, a valid EBML size, then its Timestamp element (0xE7) as every muxer writes it
 * first — after a CRC-32 element (0xBF, 4 bytes) when the muxer writes those (ffmpeg does on a seekable file).
 */
function isCluster(buf: Buffer, i: number): boolean {
  const first = buf[i + 4];
  if (first === undefined || first === 0) return false;
  const child = i + 4 + Math.clz32(first) - 23; // the size takes 1..8 bytes: the position of its first set bit
  return buf[child] === 0xe7 || (buf[child] === 0xbf && buf[child + 1] === 0x84 && buf[child + 6] === 0xe7);
}

/**
 * The command that writes a growing segment to stdout for the motion decoder: its header (`head -c`), then from the
 * cut on as it is written (GNU `tail -f`), until it is killed. tail polls once a second (`---disable-inotify`, GNU
 * coreutils' switch for it): woken by inotify on every write of the recorder (each packet is flushed), tail and the
 * ffmpeg it feeds cost 0.95 % of a core against 0.63 % polling (1080p at 4 Mbit/s, measured here), for up to 1 s more
 * delay. Pure.
 */
export function followCommand(file: string, cut: Cut): string[] {
  return ['sh', '-c', 'head -c "$1" -- "$3" && exec tail ---disable-inotify -s 1 -c +"$2" -f -- "$3"', 'sh', String(cut.header), String(cut.from + 1), file];
}

/** One file of a camera's recording folder: its path and when it was last written. */
export interface SegmentFile {
  path: string;
  writtenMs: number;
}

/** The segment being written: the last written of the newest day's segments (a name repeated after a clock step included). */
export function newestSegment(files: readonly SegmentFile[]): SegmentFile | null {
  return files.reduce<SegmentFile | null>((best, f) => (best === null || f.writtenMs > best.writtenMs ? f : best), null);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const SEGMENT = /^\d{6}(?:-\d+)?\.(?:mkv|mp4|ts)$/;

/**
 * The newest recording of `camera` under `dataDir` (recordings/<camera>/<day>/<HHMMSS>.<ext>, record/paths.ts), read
 * from the files because the recorder may be another process (`cctv record` beside `cctv watch-events`). Null when
 * the camera has none. Only the newest day folder is looked at (and the one before, just after midnight UTC).
 */
export function newestRecording(dataDir: string, camera: string): SegmentFile | null {
  const dir = cameraDir(dataDir, camera);
  const days = safeReaddir(dir).filter((d) => DAY.test(d)).sort().slice(-2).reverse();
  for (const day of days) {
    const files = safeReaddir(path.join(dir, day))
      .filter((f) => SEGMENT.test(f))
      .flatMap((f) => {
        const p = path.join(dir, day, f);
        const st = statSync(p, { throwIfNoEntry: false });
        return st ? [{ path: p, writtenMs: st.mtimeMs }] : [];
      });
    const newest = newestSegment(files);
    if (newest) return newest;
  }
  return null;
}
