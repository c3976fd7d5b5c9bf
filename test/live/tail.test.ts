import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_PEEK, newestKeyframeIn, parseCluster, parseHead, videoFrames } from '../../src/lib/live/mkv.js';
import { newestKeyframe, tailRecording } from '../../src/lib/live/tail.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The recorder's Matroska muxer settings (src/lib/ffmpeg/args.ts SEGMENT_MUXER): a cluster per video frame, each packet
// flushed.
const MUXER = ['-f', 'matroska', '-cluster_time_limit', '30', '-flush_packets', '1'];
const source = (seconds: number, realtime: boolean) => [
  '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...(realtime ? ['-re'] : []),
  '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25`, '-t', String(seconds),
  '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', ...MUXER,
];

/** How many video frames ffprobe decodes in a file, and whether the first is a keyframe. */
function frames(file: string): { count: number; firstKey: boolean } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const keys = out.split('\n').map((l) => l.split(',')[0]!.trim()).filter(Boolean);
  return { count: keys.length, firstKey: keys[0] === '1' };
}

describe('following a Matroska recording (real ffmpeg)', () => {
  it('finds the header, the video track, a cluster per frame and the newest one opening with a keyframe', async () => {
    const file = path.join(dir, 'closed.mkv');
    execFileSync('ffmpeg', [...source(4, false), file]);
    const fh = await open(file);
    try {
      const start = Buffer.alloc(64 << 10);
      const { bytesRead } = await fh.read(start, 0, start.length, 0);
      const head = parseHead(start.subarray(0, bytesRead))!;
      expect(head.videoTrack).toBe(1);
      const clusters = [];
      const { size } = await fh.stat();
      for (let at = head.firstCluster; at < size; ) {
        const peek = Buffer.alloc(CLUSTER_PEEK);
        const n = (await fh.read(peek, 0, CLUSTER_PEEK, at)).bytesRead;
        const c = parseCluster(peek.subarray(0, n), at, head.videoTrack);
        if (c === null || c === 'not-a-cluster') break;
        clusters.push(c);
        at += c.bytes;
      }
      expect(clusters.length).toBe(100); // 4 s at 25 fps, a cluster per frame
      expect(clusters.filter((c) => c.keyframe).map((c) => c.timecodeMs)).toEqual([0, 1000, 2000, 3000]);
      const newest = clusters.find((c) => c.timecodeMs === 3000)!;
      expect(await newestKeyframe(fh, head)).toBe(newest.offset);
      // In the last bytes of the file (the recording being written: its last cluster cut short), from any byte.
      const all = await readFile(file);
      const last = clusters.at(-1)!;
      const cut = all.subarray(0, last.offset + 20);
      const previousKey = clusters.filter((c) => c.keyframe).at(-1)!;
      expect(previousKey).toBe(newest);
      for (const from of [head.firstCluster, clusters[40]!.offset - 3, clusters[60]!.offset + 1]) {
        expect(newestKeyframeIn(cut.subarray(from), from, head.videoTrack)).toBe(newest.offset);
      }
      // Only frames after the newest keyframe in the window: none found; the same with the Cues of a closed file.
      expect(newestKeyframeIn(cut.subarray(newest.offset + 1), newest.offset + 1, head.videoTrack)).toBeNull();
      expect(newestKeyframeIn(all.subarray(newest.offset + 1), newest.offset + 1, head.videoTrack)).toBeNull();
      // The backlog a live reader skips: the frames of the complete clusters from where it starts.
      expect(videoFrames(all.subarray(head.firstCluster), head.videoTrack)).toBe(100);
      expect(videoFrames(all.subarray(newest.offset), head.videoTrack)).toBe(25);
      expect(videoFrames(cut.subarray(newest.offset), head.videoTrack)).toBe(24);
      // A window smaller than a keyframe interval falls back to walking the file (the closed file too).
      expect(await newestKeyframe(fh, head, 1000)).toBe(newest.offset);
      // A truncated header is "not yet", never an error.
      expect(parseHead(start.subarray(0, head.firstCluster - 1))).toBeNull();
    } finally {
      await fh.close();
    }
  });

  it('copies a file being written from its newest keyframe to its end, decodable, and ends when the writer is done', async () => {
    const file = path.join(dir, 'growing.mkv');
    writeFileSync(file, '');
    const writer = spawn('ffmpeg', [...source(4, true), file], { stdio: 'ignore' });
    let written = false;
    const exited = new Promise<void>((r) => writer.once('exit', () => { written = true; r(); }));
    try {
      // Start in the middle: once the file holds a second keyframe (1 s of the 4 s written in real time).
      for (let joined = false; !joined; await new Promise((r) => setTimeout(r, 50))) {
        const fh = await open(file);
        const start = Buffer.alloc(64 << 10);
        const head = parseHead(start.subarray(0, (await fh.read(start, 0, start.length, 0)).bytesRead));
        joined = head !== null && (await newestKeyframe(fh, head)) > head.firstCluster;
        await fh.close();
      }
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      let backlog = -1;
      const ended = await tailRecording({ file, out, signal: AbortSignal.timeout(20_000), finished: () => written, pollMs: 20, backlog: (n) => (backlog = n) });
      expect(ended).toBe('finished');
      const copy = path.join(dir, 'copy.mkv');
      writeFileSync(copy, Buffer.concat(chunks));
      const { count, firstKey } = frames(copy);
      expect(firstKey).toBe(true); // it joined at a keyframe…
      expect(count).toBeGreaterThan(25); // …a second or more before the end
      expect(count).toBeLessThan(100); // …and not from the file's start
      // The frames already written when it joined (a keyframe interval at most) were told as the backlog.
      expect(backlog).toBeGreaterThanOrEqual(1);
      expect(backlog).toBeLessThanOrEqual(Math.min(25, count));
    } finally {
      writer.kill('SIGKILL');
      await exited;
    }
  });

  it('stops when aborted while the file does not grow', async () => {
    const file = path.join(dir, 'closed.mkv');
    const out = new PassThrough().resume();
    const ended = await tailRecording({ file, out, signal: AbortSignal.timeout(300), finished: () => false, pollMs: 20 });
    expect(ended).toBe('aborted');
  });
});
