import { spawn } from 'node:child_process';
import { EventTracker } from '../events/tracker.js';
import { recordInputOptions, recordInputUrl } from '../ffmpeg/args.js';
import { FFMPEG } from '../ffmpeg/run.js';
import { log } from '../log.js';
import type { EventRecord } from '../pipeline/records.js';

/**
 * A small motion event source for cameras without ONVIF (the demo's simulated cameras): ffmpeg decodes the stream at
 * a few frames a second into tiny grey pictures, and motion is "enough pixels changed a lot since the last picture".
 * Observations feed the same EventTracker as ONVIF, so events merge, update and close by the same rules
 * (source `motion`).
 */

/** Picture size the comparison runs on: small enough to be cheap and to average away sensor noise. */
export const MOTION_WIDTH = 64;
export const MOTION_HEIGHT = 36;

/** Pure: the share (0..1) of pixels of two same-sized grey pictures that differ by more than `pixelDelta`. */
export function changedShare(a: Uint8Array, b: Uint8Array, pixelDelta = 20): number {
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > pixelDelta) changed++;
  return a.length === 0 ? 0 : changed / a.length;
}

/** Pure: ffmpeg arguments decoding `url` into raw grey MOTION_WIDTH×MOTION_HEIGHT pictures at `fps` on stdout. */
export function motionArgs(url: string, fps: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...recordInputOptions({ url, transport: 'tcp', timeoutSeconds: 5 }), '-i', recordInputUrl(url),
    '-an', '-sn', '-vf', `fps=${fps},scale=${MOTION_WIDTH}:${MOTION_HEIGHT},format=gray`, '-f', 'rawvideo', 'pipe:1',
  ];
}

export interface MotionOptions {
  camera: string;
  url: string;
  signal: AbortSignal;
  events: { maxEventSeconds: number; mergeGapSeconds: number };
  emit(record: EventRecord): void;
  /** Share of changed pixels that counts as motion; default 0.003 (7 of 2304). */
  threshold?: number;
  fps?: number;
}

/** Watches one camera for motion until `signal` aborts; ffmpeg is restarted (after 2 s) whenever it exits. */
export async function watchMotion(o: MotionOptions): Promise<void> {
  const tracker = new EventTracker({
    camera: o.camera, maxEventMs: o.events.maxEventSeconds * 1000, mergeGapMs: o.events.mergeGapSeconds * 1000, source: 'motion',
  });
  const threshold = o.threshold ?? 0.003;
  const size = MOTION_WIDTH * MOTION_HEIGHT;
  const ticker = setInterval(() => tracker.tick(new Date()).forEach(o.emit), 500);
  try {
    while (!o.signal.aborted) {
      const proc = spawn(FFMPEG, motionArgs(o.url, o.fps ?? 4), { stdio: ['ignore', 'pipe', 'pipe'] });
      const kill = () => proc.kill('SIGKILL');
      o.signal.addEventListener('abort', kill, { once: true });
      let stderr = '';
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
      let previous: Buffer | null = null;
      let pending = Buffer.alloc(0);
      proc.stdout.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= size) {
          const picture = pending.subarray(0, size);
          pending = pending.subarray(size);
          if (previous) {
            const active = changedShare(previous, picture) >= threshold;
            tracker.observe({ camera: o.camera, label: 'motion', active, at: new Date(), initialized: false, topic: 'motion' }).forEach(o.emit);
          }
          previous = Buffer.from(picture);
        }
      });
      await new Promise((resolve) => proc.once('close', resolve));
      o.signal.removeEventListener('abort', kill);
      if (o.signal.aborted) break;
      log.warn({ camera: o.camera, err: stderr.trim().split('\n').pop() }, 'motion watcher stopped; restarting');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  } finally {
    clearInterval(ticker);
    tracker.stop(new Date()).forEach(o.emit);
  }
}
