import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { upsertSegment } from '../../src/lib/catalog/segments.js';
import { LiveFrames } from '../../src/lib/live/frames.js';
import { parseHead, videoFrames } from '../../src/lib/live/mkv.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cctv-frames-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Frames in the complete clusters of a Matroska file so far. */
function framesWritten(file: string): number {
  const all = readFileSync(file);
  const head = all.length > 0 ? parseHead(all) : null;
  return head ? videoFrames(all.subarray(head.firstCluster), head.videoTrack) : 0;
}

describe('the newest picture of a recording being written (real ffmpeg, real catalog)', () => {
  it('hands out the newest picture when it joins, never the keyframe interval decoded before it', async () => {
    const rel = 'recordings/front/2026-12-02/120000.mkv';
    const file = path.join(dataDir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    const db = openDb(dataDir);
    upsertSegment(db, { camera: 'front', path: rel, startMs: Date.now(), endMs: Date.now(), bytes: 0, closed: false });
    // Frame N is grey level 2N (limited range): each picture says which frame it is. 10 fps in real time, a keyframe
    // every 3 s, the recorder's muxer settings (a cluster per frame, each packet flushed).
    const writer = spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-re',
      '-f', 'lavfi', '-i', "color=c=black:s=64x64:r=10,geq=lum='2*N':cb=128:cr=128", '-t', '10',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '30', '-bf', '0', '-pix_fmt', 'yuv420p',
      '-f', 'matroska', '-cluster_time_limit', '30', '-flush_packets', '1', file,
    ], { stdio: 'ignore' });
    const exited = new Promise<void>((r) => writer.once('exit', () => r()));
    let frames: LiveFrames | null = null;
    try {
      // Join once 5 s are written: the newest keyframe is frame 30, 20 frames or more before the newest.
      const deadline = Date.now() + 30_000;
      let joinedAt = 0;
      while ((joinedAt = framesWritten(file)) < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(joinedAt).toBeGreaterThanOrEqual(50);
      frames = new LiveFrames({ db, dataDir, camera: 'front', keyframesOnly: false, request: { format: 'rgb24', width: 64, height: 64 } });
      let picture = frames.latest();
      while (!picture && Date.now() < deadline && !frames.failure) {
        await new Promise((r) => setTimeout(r, 5));
        picture = frames.latest();
      }
      expect(frames.failure).toBeNull();
      const red = picture!.data[(32 * 64 + 32) * 3]!;
      const frame = Math.round(((red * 219) / 255 + 16) / 2);
      // The first picture handed out is the newest one at the join (a frame or two of rounding), not frame 30.
      expect(picture!.seq).toBeLessThanOrEqual(5); // (the past would be 20 pictures or more)
      expect(frame).toBeGreaterThanOrEqual(joinedAt - 2);
    } finally {
      frames?.stop();
      await frames?.done;
      writer.kill('SIGKILL');
      await exited;
      db.close();
    }
  });
});
