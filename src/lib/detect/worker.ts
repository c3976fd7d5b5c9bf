import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RuntimeError, errorMessage } from '../errors.js';
import { LOCAL_INPUT } from './local.js';
import type { Detection, Detector, Frame, FrameRequest } from './types.js';

/**
 * The local detector in a worker thread (thread.ts), so its inference (150–220 ms a frame, GUIDE part C) never blocks
 * the event loop that reads the recording, the pipes and the alert sinks. Returned at once; the thread loads the model
 * and warms it up (the first inference, 0.5–0.9 s, on a blank frame) in the background, and detect() calls wait for
 * that. Same Detector contract; calls are answered in order. A thread that fails to start fails every call.
 */
export function startLocalDetectorThread(config: { minConfidence: number; labels: readonly string[]; maxFramesPerEvent: number }): Detector & { ready: Promise<void> } {
  const worker = new Worker(threadFile(), { workerData: { ...config, detector: 'local' } });
  let nextId = 0;
  const waiting = new Map<number, { resolve(d: Detection[]): void; reject(e: Error): void }>();
  let failed: Error | null = null;
  const failAll = (err: Error) => {
    failed ??= err;
    for (const w of waiting.values()) w.reject(failed);
    waiting.clear();
  };
  const hello = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready: boolean; error?: string }) => (m.ready ? resolve() : reject(new RuntimeError(m.error ?? 'detector thread failed'))));
    worker.once('error', reject);
    worker.once('exit', () => reject(new RuntimeError('detector thread exited')));
  });
  const send = (frame: Frame): Promise<Detection[]> => {
    if (failed) return Promise.reject(failed);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, frame });
    });
  };
  const ready = hello.then(
    () => {
      worker.on('message', (m: { id: number; detections?: Detection[]; error?: string }) => {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.error !== undefined) w?.reject(new RuntimeError(m.error));
        else w?.resolve(m.detections ?? []);
      });
      worker.on('error', (err) => failAll(new RuntimeError(`detector thread failed: ${err.message}`)));
      worker.on('exit', () => failAll(new RuntimeError('detector thread exited')));
      return send(blankFrame(LOCAL_INPUT)).then(() => undefined);
    },
    (err: unknown) => {
      failAll(err instanceof RuntimeError ? err : new RuntimeError(`detector thread failed: ${errorMessage(err)}`));
      void worker.terminate();
      throw failed;
    },
  );
  ready.catch(() => {}); // observed by detect() callers
  return {
    name: 'local',
    input: LOCAL_INPUT,
    ready,
    async detect(frame: Frame): Promise<Detection[]> {
      await ready;
      return send(frame);
    },
    async close() {
      failed ??= new RuntimeError('detector closed');
      await worker.terminate();
    },
  };
}

/** A black frame of the detector's input (the warm-up). */
export function blankFrame(input: FrameRequest): Frame {
  const width = input.width;
  const height = input.height ?? Math.round((width * 9) / 16);
  return { offsetSeconds: 0, format: 'rgb24', width, height, data: Buffer.alloc(width * height * 3) };
}

/** The compiled thread.js beside this file; when running from the TypeScript sources (tests), the one in dist/. */
function threadFile(): string {
  const here = fileURLToPath(new URL('./thread.js', import.meta.url));
  return existsSync(here) ? here : here.replace(/([/\\])src([/\\]lib[/\\]detect[/\\])/, '$1dist$2');
}
