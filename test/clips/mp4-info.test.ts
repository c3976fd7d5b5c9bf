import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaInfo } from '../../src/lib/clips/cut.js';
import { probeMedia } from '../../src/lib/ffmpeg/probe.js';
import { readMp4Info } from '../../src/lib/clips/mp4-info.js';
import { ffmpeg } from '../upload/fixtures.js';

/** Real files, each read in-process and by ffprobe: the answers must agree, or the reader must step aside (undefined). */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mp4-info-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '2.4'];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p'];

describe('readMp4Info against ffprobe', () => {
  it.each([
    ['h264 + aac, moov at the end', 'a.mp4', [...h264, '-c:a', 'aac'], true],
    ['h264 + aac, faststart', 'b.mp4', [...h264, '-c:a', 'aac', '-movflags', '+faststart'], true],
    ['h264, no audio', 'c.mp4', [...h264, '-an'], true],
    ['h264 + mp3', 'd.mp4', [...h264, '-c:a', 'libmp3lame'], true],
    ['QuickTime .mov', 'e.mov', [...h264, '-c:a', 'aac'], true],
    ['mpeg4 video (not in its table)', 'f.mp4', ['-c:v', 'mpeg4', '-c:a', 'aac'], false],
    ['fragmented MP4', 'g.mp4', [...h264, '-c:a', 'aac', '-movflags', '+frag_keyframe+empty_moov'], false],
    ['matroska', 'h.mkv', [...h264, '-c:a', 'pcm_alaw'], false],
  ])('%s', async (_name, file, args, known) => {
    const f = path.join(dir, file);
    await ffmpeg([...input, ...args, f]);
    const probed = await probeMedia(f);
    const read = await readMp4Info(f);
    if (!known) {
      expect(read).toBeUndefined();
    } else {
      expect(read).toEqual({ ...probed, durationSeconds: expect.closeTo(probed.durationSeconds!, 2) });
    }
    expect(await mediaInfo(f)).toEqual({ ...probed, durationSeconds: expect.closeTo(probed.durationSeconds!, 2) });
  });

  it('a file that is not media at all', async () => {
    const f = path.join(dir, 'junk.mp4');
    (await import('node:fs')).writeFileSync(f, Buffer.from('\x00\x00\x00\x10ftypisom\x00\x00\x00\x00\xff\xff\xff\xffmoov'));
    expect(await readMp4Info(f)).toBeUndefined();
  });
});
