import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleJpegArgs } from '../ffmpeg/args.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { bufferMedia } from './media.js';
import { composeAlert } from './message.js';
import type { Alert } from './types.js';

/** A sample snapshot JPEG, drawn by ffmpeg at run time (its testsrc2 pattern): nothing is bundled or downloaded. */
export async function sampleSnapshot(): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cctv-sample-'));
  try {
    const file = path.join(dir, 'sample.jpg');
    await runFfmpeg(sampleJpegArgs(file), { timeoutMs: 30_000 });
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Pure: the test alert of `cctv alert test`: `label` (99%) on `camera` now, its link the web app's events page when
 * the app has a public address, and `snapshot` as its picture. The eventId starts with `test-`.
 */
export function sampleAlert(o: { camera: string; label: string; appBase: string | null; nowMs: number; snapshot: Buffer }): Alert {
  const at = new Date(o.nowMs).toISOString();
  const alert = composeAlert({
    camera: o.camera, eventId: `test-${o.nowMs}`, labels: [{ name: o.label, confidence: 0.99, at }], alertOn: [o.label], detector: 'test',
    clip: o.appBase ? `${o.appBase}/#/events` : '', poster: null,
  });
  return { ...alert, message: `Test alert: ${alert.message}`, media: bufferMedia(o.snapshot) };
}
