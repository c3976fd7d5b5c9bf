import { access, rename } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, ensureVtest } from './vtest.js';
import { errorMessage } from '../errors.js';
import { walkwayArgs, yardArgs } from '../ffmpeg/args.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { log } from '../log.js';

/**
 * The demo's simulated cameras: looping H.264 MP4 files recorded through `file://` URLs (the recorder plays them in
 * real time, forever). `yard` is synthetic (a still yard; something crosses it for 7 s every 40 s); `walkway` is the
 * real pedestrian footage of the GUIDE (vtest.avi), transcoded once. Both are cached in cacheDir().
 */

const exists = (p: string) => access(p).then(() => true, () => false);

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
