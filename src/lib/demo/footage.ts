import { access, rename } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, ensureVtest } from '../detect/footage.js';
import { errorMessage } from '../errors.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { log } from '../log.js';

/**
 * The demo's simulated cameras: looping H.264 MP4 files recorded through `file://` URLs (the recorder plays them in
 * real time, forever). `yard` is synthetic (a still yard; something crosses it for 7 s every 40 s); `walkway` is the
 * real pedestrian footage of the GUIDE (vtest.avi), transcoded once. Both are cached in cacheDir().
 */

const exists = (p: string) => access(p).then(() => true, () => false);

/** Pure: ffmpeg arguments writing the synthetic yard (40 s loop, 640x360, 10 fps, a keyframe every second). */
export function yardArgs(out: string): string[] {
  return [
    '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'color=c=0x55704a:s=640x360:r=10',
    '-f', 'lavfi', '-i', 'color=c=0xd8d8d8:s=40x100:r=10',
    '-filter_complex', "[0][1]overlay=x='if(between(mod(t,40),20,27),(mod(t,40)-20)*100-40,-100)':y=200:shortest=1",
    '-t', '40', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'mp4', out,
  ];
}

/** Pure: ffmpeg arguments transcoding vtest.avi (MPEG-4 part 2) to H.264 with a keyframe every second. */
export function walkwayArgs(vtest: string, out: string): string[] {
  return ['-loglevel', 'error', '-i', vtest, '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'mp4', out];
}

async function cached(file: string, make: (tmp: string) => Promise<void>): Promise<string> {
  if (await exists(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  await make(tmp);
  await rename(tmp, file);
  return file;
}

/**
 * The simulated cameras as `cameras:` config entries. Without the pedestrian footage (no apt, no network) the demo
 * runs with the synthetic camera only and says so.
 */
export async function demoCameras(dir: string = cacheDir()): Promise<Record<string, { url: string }>> {
  const cameras: Record<string, { url: string }> = {};
  try {
    const vtest = await ensureVtest(dir);
    cameras.walkway = { url: `file://${await cached(path.join(dir, 'demo-walkway.mp4'), (tmp) => runFfmpeg(walkwayArgs(vtest, tmp)))}` };
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'no pedestrian footage: the demo runs with the synthetic camera only');
  }
  cameras.yard = { url: `file://${await cached(path.join(dir, 'demo-yard.mp4'), (tmp) => runFfmpeg(yardArgs(tmp)))}` };
  return cameras;
}
