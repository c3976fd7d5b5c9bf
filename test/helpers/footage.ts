import { execFile, execFileSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureVtest } from '../../src/lib/demo/vtest.js';

const exec = promisify(execFile);

/** Real pedestrian footage (Debian's vtest.avi), fetched once into the cache. Throws (the test fails) when it cannot be had. */
export function vtestPath(): Promise<string> {
  return ensureVtest();
}

async function lavfi(out: string, source: string, seconds: number): Promise<string> {
  await exec('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', source, '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}

/** A synthetic test pattern clip (ffmpeg's testsrc2: colour bars, moving shapes, counter): no objects at all. */
export function makeTestPattern(dir: string, seconds = 6): Promise<string> {
  return lavfi(path.join(dir, 'pattern.mp4'), 'testsrc2=size=768x576:rate=10', seconds);
}

/** An "empty scene": a flat yard-coloured picture with sensor noise and a slow light change, nobody in it. */
export function makeEmptyScene(dir: string, seconds = 6): Promise<string> {
  return lavfi(
    path.join(dir, 'empty.mp4'),
    `color=c=0x6b7b5a:size=768x576:rate=10,noise=alls=18:allf=t,eq=brightness='0.1*sin(t)':eval=frame`,
    seconds,
  );
}

/**
 * An 8 s H.264 cut of vtest.avi from `from` seconds into `dir/name`, its mtime (= the clip's end for `cctv upload`)
 * `ageSeconds` ago.
 */
export function vtestClip(src: string, dir: string, name: string, from: number, ageSeconds: number): string {
  const out = path.join(dir, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-ss', String(from), '-i', src, '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-an', out]);
  const t = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(out, t, t);
  return out;
}

/**
 * Two 30 s camera clips for the motion source (640x360, 10 fps, a keyframe every 2 s or `gop` frames) on the same
 * still, textured scene: `object` — a dark person-sized box walks in at 5 s and is gone at 10 s (or `object` times);
 * `ramp` — nobody, but from `rampAt` s (0) the light ramps from dim to bright over 12 s, then a cloud dims it for 3 s.
 */
export async function makeMotionClips(
  dir: string,
  o: { object?: [number, number]; rampAt?: number; gop?: number } = {},
): Promise<{ object: string; ramp: string }> {
  const [from, to] = o.object ?? [5, 10];
  const at = o.rampAt ?? 0;
  const still = path.join(dir, 'scene.png');
  await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-frames:v', '1', still]);
  const clip = async (name: string, graph: string, extra: string[] = []) => {
    const out = path.join(dir, `${name}.mp4`);
    await exec('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-loop', '1', '-framerate', '10', '-i', still, ...extra,
      '-filter_complex', `${graph},noise=alls=4:allf=t,format=yuv420p[v]`, '-map', '[v]', '-t', '30',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(o.gop ?? 20), out,
    ]);
    return out;
  };
  return {
    object: await clip('object', `[0][1]overlay=x='60+(t-${from})*${Math.round(250 / (to - from))}':y=130:enable='between(t,${from},${to})'`, ['-f', 'lavfi', '-i', 'color=c=0x303030:s=48x120:r=10']),
    ramp: await clip('ramp', `[0]eq=brightness='if(lt(t,${at}),-0.3,if(lt(t,${at + 12}),-0.3+0.05*(t-${at}),0))-0.25*between(t,${at + 15},${at + 18})':eval=frame`),
  };
}
