import PQueue from 'p-queue';
import type { Detector } from './types.js';

/**
 * One detector shared by live analysis and end-of-event analysis, live first: both views queue on one queue (one
 * inference at a time), where a live sample waiting is taken before any end-of-event frame. Closing a view does
 * nothing; the owner closes the detector.
 */
export function prioritised(detector: Detector): { live: Detector; later: Detector } {
  const queue = new PQueue({ concurrency: 1 });
  const view = (priority: number): Detector => ({
    name: detector.name,
    input: detector.input,
    detect: (frame) => queue.add(() => detector.detect(frame), { priority }),
    close: async () => {},
  });
  return { live: view(1), later: view(0) };
}
