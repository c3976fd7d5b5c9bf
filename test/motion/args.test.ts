import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { motionDecodeArgs, type MotionDecode } from '../../src/lib/ffmpeg/motion.js';
import { emptySceneArgs, LIGHT_CHANGES, lightChangeFilter, peopleAppear, sceneArgs, type Scene } from '../../src/lib/ffmpeg/scenes.js';

const exec = promisify(execFile);
const base: MotionDecode = { url: 'rtsp://cam/sub', transport: 'tcp', keyframesOnly: false, width: 128, height: 72, timeoutSeconds: 5 };
const output = ['-map', '0:v:0', '-an', '-sn', '-dn', '-fps_mode', 'passthrough', '-filter_threads', '1', '-vf', 'scale=128:72:flags=area,format=gray', '-f', 'rawvideo', 'pipe:1'];

describe('motionDecodeArgs', () => {
  it.each([
    ['an RTSP sub stream: every frame, a socket timeout', base,
      ['-loglevel', 'error', '-nostats', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-threads', '1', '-skip_loop_filter', 'all', '-i', 'rtsp://cam/sub', ...output]],
    ['a main stream: keyframes only, over UDP', { ...base, url: 'rtsp://cam/main', keyframesOnly: true, transport: 'udp' } as MotionDecode,
      ['-loglevel', 'error', '-nostats', '-rtsp_transport', 'udp', '-timeout', '5000000', '-threads', '1', '-skip_loop_filter', 'all', '-skip_frame', 'nokey', '-i', 'rtsp://cam/main', ...output]],
    ['a simulated camera (file://): real time, looped', { ...base, url: 'file:///c/yard.mp4' },
      ['-loglevel', 'error', '-nostats', '-re', '-stream_loop', '-1', '-threads', '1', '-skip_loop_filter', 'all', '-i', '/c/yard.mp4', ...output]],
    ['a recording on stdin: its container named, keyframes only', { ...base, url: 'pipe:0', format: 'matroska', keyframesOnly: true },
      ['-loglevel', 'error', '-nostats', '-threads', '1', '-skip_loop_filter', 'all', '-skip_frame', 'nokey', '-f', 'matroska', '-i', 'pipe:0', ...output]],
    ['a plain path (benchmarks): as fast as it decodes', { ...base, url: '/tmp/scene.mp4' },
      ['-loglevel', 'error', '-nostats', '-threads', '1', '-skip_loop_filter', 'all', '-i', '/tmp/scene.mp4', ...output]],
  ] as [string, MotionDecode, string[]][])('%s', (_name, d, want) => {
    expect(motionDecodeArgs(d)).toEqual(want);
  });

  it('uses the picture size it is given', () => {
    expect(motionDecodeArgs({ ...base, width: 64, height: 36 })).toContain('scale=64:36:flags=area,format=gray');
  });
});

describe('scenes', () => {
  const scene: Scene = { background: '/f/yard.png', change: 'steady', seconds: 100, fps: 10, width: 320, height: 240 };

  it('the empty place of a video: the median of one frame a second', () => {
    expect(emptySceneArgs('/f/vtest.avi', '/o/empty.png')).toEqual([
      '-loglevel', 'error', '-i', '/f/vtest.avi', '-vf', 'fps=1,tmedian=radius=35', '-frames:v', '1', '-f', 'image2', '/o/empty.png',
    ]);
  });

  it.each([
    [undefined, []],
    [{ video: '/f/people.avi', first: 10, every: 30, seconds: 8 }, [10, 40, 70]],
    [{ video: '/f/people.avi', first: 0, every: 50, seconds: 8 }, [0, 50]],
  ])('people %j appear at %j', (people, want) => {
    expect(peopleAppear({ ...scene, people })).toEqual(want);
  });

  it.each([
    ['steady', '[in]null[out]'],
    ['sun', "[in]eq=brightness='-0.2+0.4*t/100':contrast='0.7+0.5*t/100':gamma='1.3-0.4*t/100':eval=frame[out]"],
    ['ir', "between(t,33.3,66.7)"],
    ['shadow', "overlay=x='-w+(W+w)*mod(t,30)/30'"],
  ] as const)('%s light change', (change, want) => {
    expect(lightChangeFilter(change, 100, 320, 240, 10).graph).toContain(want);
  });

  it('loops a still or a video background and writes H.264 with a keyframe every 2 s', () => {
    const args = sceneArgs(scene, '/o/s.mp4');
    expect(args.slice(0, 8)).toEqual(['-loglevel', 'error', '-loop', '1', '-framerate', '10', '-i', '/f/yard.png']);
    expect(args.slice(-13)).toEqual(['-t', '100', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-pix_fmt', 'yuv420p', '-f', 'mp4', '/o/s.mp4']);
    expect(sceneArgs({ ...scene, background: '/f/tree.avi' }, '/o/t.mp4').slice(2, 6)).toEqual(['-stream_loop', '-1', '-i', '/f/tree.avi']);
  });

  // The filter graphs are only proven by ffmpeg itself: each light change, with people, for one second.
  const dir = mkdtempSync(path.join(tmpdir(), 'cctv-scenes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('every light change is a valid ffmpeg graph (one second of each, with people walking in), and so is the empty place', async () => {
    const still = path.join(dir, 'still.png');
    const people = path.join(dir, 'people.mp4');
    await exec('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=160x120', '-frames:v', '1', still]);
    await exec('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=160x120:r=10', '-t', '4', '-pix_fmt', 'yuv420p', people]);
    const empty = path.join(dir, 'empty.png');
    await exec('ffmpeg', ['-nostdin', '-y', ...emptySceneArgs(people, empty, 1)]);
    expect((await exec('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', empty])).stdout.trim()).toBe('160,120');
    for (const change of LIGHT_CHANGES) {
      const out = path.join(dir, `${change}.mp4`);
      const s: Scene = { background: still, change, seconds: 1, fps: 10, width: 160, height: 120, people: { video: people, first: 0.5, every: 10, seconds: 0.3 } };
      await exec('ffmpeg', ['-nostdin', '-y', ...sceneArgs(s, out)]);
      const { stdout } = await exec('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'csv=p=0', out]);
      expect(stdout.trim()).toBe('160,120,10');
    }
  }, 60_000);
});
