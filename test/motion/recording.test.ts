import { execFile, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOutputOptions } from '../../src/lib/ffmpeg/args.js';
import { motionDecodeArgs } from '../../src/lib/ffmpeg/motion.js';
import { chooseInput, followCommand, newestRecording, newestSegment, recordingCut, segmentFormat } from '../../src/lib/motion/recording.js';

const exec = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'cctv-motion-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chooseInput', () => {
  const now = 1_000_000;
  it.each([
    ['stream: always the stream', 'stream', now - 1000, 'stream'],
    ['auto, written 1 s ago: the recording', 'auto', now - 1000, 'recording'],
    ['auto, written 19 s ago (stall 20 s): the recording', 'auto', now - 19_000, 'recording'],
    ['auto, written 20 s ago: stopped, the stream', 'auto', now - 20_000, 'stream'],
    ['auto, nothing recorded: the stream', 'auto', null, 'stream'],
    ['recording, written 1 s ago: the recording', 'recording', now - 1000, 'recording'],
    ['recording, stopped: wait for it', 'recording', now - 60_000, 'wait'],
    ['recording, nothing recorded: wait for it', 'recording', null, 'wait'],
  ] as const)('%s', (_name, mode, writtenMs, want) => {
    expect(chooseInput(mode, writtenMs, 20, now)).toBe(want);
  });

  it('counts a recording as stopped after at least 10 s whatever record.stallSeconds says', () => {
    expect(chooseInput('auto', now - 9_000, 3, now)).toBe('recording');
    expect(chooseInput('auto', now - 10_000, 3, now)).toBe('stream');
  });
});

describe('segmentFormat', () => {
  it.each([
    ['/d/recordings/a/2026-12-02/101500.mkv', 'matroska'],
    ['/d/recordings/a/2026-12-02/101500-1.mp4', 'mp4'],
    ['/d/recordings/a/2026-12-02/101500.ts', 'mpegts'],
    ['/d/recordings/a/2026-12-02/notes.txt', null],
  ])('%s → %s', (file, want) => expect(segmentFormat(file)).toBe(want));
});

describe('newestSegment / newestRecording', () => {
  it('the last written file, not the last name (a name repeated after the clock stepped back)', () => {
    expect(newestSegment([])).toBeNull();
    expect(newestSegment([
      { path: '101500.mkv', writtenMs: 1000 },
      { path: '101500-1.mkv', writtenMs: 3000 },
      { path: '103000.mkv', writtenMs: 2000 },
    ])).toEqual({ path: '101500-1.mkv', writtenMs: 3000 });
  });

  it('looks in the newest day folder (the one before when it is empty); ignores run folders and other files', () => {
    const data = path.join(dir, 'data');
    const cam = path.join(data, 'recordings', 'yard');
    expect(newestRecording(data, 'yard')).toBeNull();
    const file = (rel: string, atMs: number) => {
      const p = path.join(cam, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, 'x');
      utimesSync(p, atMs / 1000, atMs / 1000);
      return p;
    };
    const t = Date.parse('2026-12-02T23:59:00Z');
    const old = file('2026-12-02/234500.mkv', t);
    file('2026-12-02/notes.txt', t + 5000);
    file('.run-abc/000001.mkv', t + 9000);
    mkdirSync(path.join(cam, '2026-12-03'));
    expect(newestRecording(data, 'yard')).toEqual({ path: old, writtenMs: t });
    const next = file('2026-12-03/000000.mkv', t + 60_000);
    expect(newestRecording(data, 'yard')).toEqual({ path: next, writtenMs: t + 60_000 });
  });
});

describe('recordingCut on synthetic bytes', () => {
  const cluster = (ts: number) => Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe7, 0x81, ts]);
  const header = Buffer.from('EBML-and-tracks-header');
  it.each([
    ['Matroska: the header up to the first Cluster, from the last Cluster of the tail',
      'matroska', Buffer.concat([header, cluster(0), Buffer.alloc(50)]), Buffer.concat([Buffer.alloc(10), cluster(1), Buffer.alloc(20), cluster(2), Buffer.alloc(5)]), 1000,
      { header: header.length, from: 1000 + 10 + 15 + 20 }],
    ['Matroska: a Cluster ID inside frame data (no Timestamp after its size) is not a Cluster',
      'matroska', Buffer.concat([header, cluster(0)]), Buffer.concat([cluster(1), Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x81, 0x00])]), 500,
      { header: header.length, from: 500 }],
    ['Matroska: a Cluster with a CRC-32 before its Timestamp (ffmpeg on a seekable file)',
      'matroska', Buffer.concat([header, cluster(0)]), Buffer.concat([Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x21, 0x38, 0xa2, 0xbf, 0x84, 1, 2, 3, 4, 0xe7, 0x81, 0]), Buffer.alloc(9)]), 300,
      { header: header.length, from: 300 }],
    ['Matroska: the header is not complete yet', 'matroska', header, cluster(1), 0, null],
    ['Matroska: no Cluster in the tail', 'matroska', Buffer.concat([header, cluster(0)]), Buffer.alloc(100), 900, null],
    ['MPEG-TS: no header, from the last run of three sync bytes 188 apart',
      'mpegts', Buffer.alloc(0), Buffer.concat([Buffer.alloc(7), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([0x47]), Buffer.alloc(187)]))]), 2000,
      { header: 0, from: 2000 + 7 + 2 * 188 }],
  ] as const)('%s', (_name, format, head, tail, tailAt, want) => {
    expect(recordingCut(format, head, tail, tailAt)).toEqual(want);
  });
});

describe('followCommand', () => {
  it('the header, then from the cut on (tail counts from 1)', () => {
    expect(followCommand('/d/rec/a b.mkv', { header: 4000, from: 99_999 })).toEqual([
      'sh', '-c', 'head -c "$1" -- "$3" && exec tail ---disable-inotify -s 1 -c +"$2" -f -- "$3"', 'sh', '4000', '100000', '/d/rec/a b.mkv',
    ]);
  });

  it('writes the header and the bytes from the cut, then what is appended, until killed', async () => {
    const file = path.join(dir, 'growing.bin');
    writeFileSync(file, 'HEADxxxxxxCLUSTER1');
    const [cmd, ...args] = followCommand(file, { header: 4, from: 10 });
    const p = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += String(d)));
    try {
      await until(() => out === 'HEADCLUSTER1');
      appendFileSync(file, 'CLUSTER2');
      await until(() => out === 'HEADCLUSTER1CLUSTER2');
    } finally {
      p.kill('SIGKILL');
    }
    expect(out).toBe('HEADCLUSTER1CLUSTER2');
  });
});

async function until(ok: () => boolean, ms = 10_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() - t0 > ms) throw new Error('timed out');
}

/**
 * On real recordings: a 20 s clip written by ffmpeg with the recorder's own muxer options (ffmpeg/args.ts), cut as the
 * follower cuts it (the first 256 KB, the last 2 MB of what was written so far): header + bytes from the cut decode on
 * stdin with the motion decoder's arguments, and give the last pictures only, not the whole file.
 */
const HEAD = 256 << 10;
const TAIL = 2 << 20;
describe('recordingCut on real recordings', () => {
  const files: Record<string, string> = {};
  beforeAll(async () => {
    for (const format of ['mkv', 'mp4', 'ts'] as const) {
      const out = path.join(dir, `seg.${format}`);
      const options = recordOutputOptions({ url: '', transport: 'tcp', segmentSeconds: 3600, format, outputPattern: '', segmentList: path.join(dir, `${format}.csv`), timeoutSeconds: 5 });
      await exec('ffmpeg', [
        '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '20',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-b:v', '2M', '-f', 'matroska', `${out}.src.mkv`,
      ]);
      // The recorder's output options, with the source's video copied (no audio in it).
      await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', `${out}.src.mkv`, ...options, path.join(dir, `%03d.${format}`)]);
      files[format] = path.join(dir, `000.${format}`);
    }
  }, 60_000);

  it.each([['mkv', 'matroska'], ['mp4', 'mp4'], ['ts', 'mpegts']] as const)('%s', async (ext, format) => {
    const bytes = readFileSync(files[ext]!);
    // As if the file had been 13 s long when the follower started: it goes on growing to 20 s.
    const end = Math.floor(bytes.length * 0.65);
    const tailAt = end - TAIL;
    const cut = recordingCut(format, bytes.subarray(0, HEAD), bytes.subarray(tailAt, end), tailAt);
    expect(cut).not.toBeNull();
    expect(cut!.from).toBeGreaterThan(tailAt);
    // 20 s with a keyframe every 2 s: 10 from the start; from the cut, those at 14, 16 and 18 s (12 s when the cut
    // falls just before its keyframe).
    expect(await keyframes(bytes, format)).toBe(10);
    const fromCut = await keyframes(Buffer.concat([bytes.subarray(0, cut!.header), bytes.subarray(cut!.from)]), format);
    expect(fromCut).toBeGreaterThanOrEqual(3);
    expect(fromCut).toBeLessThanOrEqual(4);
  });
});

/** How many pictures the motion decoder (keyframes only) gets from `bytes` on stdin. */
function keyframes(bytes: Buffer, format: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = motionDecodeArgs({ url: 'pipe:0', format, transport: 'tcp', keyframesOnly: true, width: 128, height: 72, timeoutSeconds: 5 });
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.length));
    p.stderr.on('data', (d: Buffer) => (err += String(d)));
    p.stdin.on('error', () => {});
    p.stdin.end(bytes);
    p.once('close', (code) => (code === 0 ? resolve(out / (128 * 72)) : reject(new Error(`ffmpeg ${code}: ${err}`))));
  });
}
