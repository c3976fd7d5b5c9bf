import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { createDetector, type DetectConfig } from './index.js';
import type { Frame } from './types.js';

/**
 * The worker thread behind worker.ts: builds the configured detector and answers `{ id, frame }` with
 * `{ id, detections }` or `{ id, error }`. The first message it sends is `{ ready, input, name }` (or `{ error }`).
 */
const port = parentPort!;
try {
  const detector = await createDetector(workerData as DetectConfig);
  port.on('message', (m: { id: number; frame: Frame }) => {
    const frame = { ...m.frame, data: Buffer.from(m.frame.data.buffer, m.frame.data.byteOffset, m.frame.data.length) };
    detector.detect(frame).then(
      (detections) => port.postMessage({ id: m.id, detections }),
      (err: unknown) => port.postMessage({ id: m.id, error: errorMessage(err) }),
    );
  });
  port.postMessage({ ready: true, name: detector.name, input: detector.input });
} catch (err) {
  port.postMessage({ ready: false, error: errorMessage(err) });
}
