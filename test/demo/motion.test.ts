import { describe, expect, it } from 'vitest';
import { changedShare, motionArgs, MOTION_HEIGHT, MOTION_WIDTH } from '../../src/lib/demo/motion.js';

describe('motion source', () => {
  const still = new Uint8Array(MOTION_WIDTH * MOTION_HEIGHT).fill(100);
  it.each([
    ['identical pictures', still, 0],
    ['sensor noise (±15) everywhere', still.map((v, i) => v + (i % 2 ? 15 : -15)), 0],
    ['a 6×12 object appears', still.map((v, i) => (i % MOTION_WIDTH < 6 && Math.floor(i / MOTION_WIDTH) < 12 ? 220 : v)), 72 / 2304],
    ['lights off', still.map(() => 0), 1],
  ] as const)('%s', (_name, next, share) => {
    expect(changedShare(still, next)).toBeCloseTo(share, 6);
  });

  it('reads a simulated camera in real time, looped, into tiny grey pictures', () => {
    expect(motionArgs('file:///c/yard.mp4', 4)).toEqual([
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', '/c/yard.mp4',
      '-an', '-sn', '-vf', 'fps=4,scale=64:36,format=gray', '-f', 'rawvideo', 'pipe:1',
    ]);
    expect(motionArgs('rtsp://cam/1', 2).slice(4, 8)).toEqual(['-rtsp_transport', 'tcp', '-timeout', '5000000']);
  });
});
