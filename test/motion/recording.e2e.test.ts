import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motionDefaultsSchema, resolveMotion } from '../../src/lib/motion/config.js';
import { watchMotion } from '../../src/lib/motion/source.js';
import type { EventRecord } from '../../src/lib/pipeline/records.js';
import { processesMatching, tempProject } from '../helpers/cli.js';
import { makeMotionClips } from '../helpers/footage.js';
import { waitFor } from '../helpers/ports.js';
import { catalogRows, killedAfterEach, stop } from '../helpers/record.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

/**
 * The motion source reading the recorder's growing segments (events.motion.input) end to end: real RTSP test cameras,
 * a real `cctv record` writing 10 s segments, and the source following them from segment to segment.
 */
const spawnCctv = killedAfterEach();
const dir = mkdtempSync(path.join(tmpdir(), 'cctv-motion-rec-e2e-'));
const cameras: TestCamera[] = [];
let clips: { object: string; ramp: string };
beforeAll(async () => {
  // A keyframe a second; the object walks through from 14 s to 22 s and the light ramps from 10 s: time for the source
  // to start on the first segment and learn the scene from 8 keyframes (detector.ts WARMUP_SAMPLES) before.
  clips = await makeMotionClips(dir, { object: [14, 22], rampAt: 10, gop: 10 });
}, 60_000);
afterAll(async () => {
  for (const c of cameras.splice(0)) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});
const camera = async (opts: Parameters<typeof TestCamera.start>[0]) => {
  const c = await TestCamera.start(opts);
  cameras.push(c);
  return c;
};

describe('cctv watch-events beside cctv record, input: recording (processes)', () => {
  it('an object walking through → one event from the recording, across segment switches; a light ramp and a cloud → nothing', async () => {
    const object = await camera({ file: clips.object });
    const ramp = await camera({ file: clips.ramp });
    const { dir: project } = tempProject({
      dataDir: './data',
      // The sub stream is a port nobody listens on: every picture has to come from the recording.
      cameras: { walkway: { url: object.url, subUrl: 'rtsp://127.0.0.1:1/sub' }, lawn: { url: ramp.url } },
      record: { segmentSeconds: 10 },
      events: { mergeGapSeconds: 1, motion: { enabled: true, input: 'recording' } },
    });
    // The cameras play their clip from the start when the recorder connects.
    const rec = spawnCctv(['record'], { cwd: project });
    const started = Date.now();
    const watch = spawnCctv(['watch-events'], { cwd: project });
    try {
      await waitFor('the end of the walkway event', () => watch.records().some((r) => r.state === 'end'), 60_000, 200);
      // The ramp clip's whole light change (10-28 s) has been recorded and watched by now.
      await waitFor('30 s of the ramp', () => Date.now() - started > 31_000, 40_000);
    } finally {
      await stop(watch);
      await stop(rec);
    }
    const err = watch.stderr();
    const events = watch.records().filter((r) => r.kind === 'event') as EventRecord[];
    expect(events.map((e) => [e.camera, e.state, e.source, e.labels])).toEqual([
      ['walkway', 'start', 'motion', ['motion']],
      ['walkway', 'end', 'motion', ['motion']],
    ]);
    const [start, end] = events as [EventRecord, EventRecord];
    const seconds = (Date.parse(end.end!) - Date.parse(start.start)) / 1000;
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThan(14);
    // From the recording only (never the sub stream), and the source moved from segment to segment.
    expect(err).toMatch(/camera walkway: motion: decoding the recording .*walkway\/\d{4}-\d\d-\d\d\/\d{6}\.mkv \(keyframes only\)/);
    expect(err).not.toMatch(/127\.0\.0\.1:1\/sub/);
    const switches = err.match(/camera walkway: motion: next segment/g) ?? [];
    expect(switches.length).toBeGreaterThanOrEqual(1);
    // …segments the recorder catalogued, and the event lies after the first switch.
    const segs = catalogRows(path.join(project, 'data'), 'walkway').segments;
    expect(segs.length).toBeGreaterThanOrEqual(2);
    expect(processesMatching(path.join(project, 'data'))).toEqual([]);
    rmSync(project, { recursive: true, force: true });
  }, 150_000);
});

describe('watchMotion input auto', () => {
  it('decodes the stream while the camera is not recorded, moves to the recording when the recorder starts, and back when it stops', async () => {
    const live = await camera({ size: '320x180', fps: 10, gop: 10 });
    const { dir: project } = tempProject({ dataDir: './data', cameras: { yard: { url: live.url } }, record: { segmentSeconds: 10 } });
    const dataDir = path.join(project, 'data');
    const motion = resolveMotion(motionDefaultsSchema.parse({}), { url: live.url, motion: { enabled: true, zones: [], masks: [] } })!;
    expect(motion.input).toBe('auto');
    const details: string[] = [];
    const records: EventRecord[] = [];
    const ac = new AbortController();
    const watching = watchMotion({
      camera: 'yard', motion, signal: ac.signal, events: { maxEventSeconds: 300, mergeGapSeconds: 1 }, emit: (r) => records.push(r),
      recording: { dataDir, stallSeconds: 3 },
      timing: { recheckSeconds: 1, checkMs: 500, maxBackoffSeconds: 1 },
      onState: (s, d) => details.push(`${s}: ${d ?? ''}`),
    });
    const decoding = () => details.filter((d) => d.startsWith('connecting')).map((d) => (d.includes('the recording') ? 'recording' : d.includes(live.url) ? 'stream' : d));
    let rec: ReturnType<typeof spawnCctv> | undefined;
    try {
      await waitFor('the stream decoded', () => decoding().at(-1) === 'stream' && details.at(-1)?.startsWith('online'), 20_000);
      rec = spawnCctv(['record'], { cwd: project });
      await waitFor('the recording decoded', () => decoding().at(-1) === 'recording' && details.at(-1)?.startsWith('online'), 30_000);
      await stop(rec);
      // Not grown for 10 s (record.stallSeconds, at least 10 s): back to the stream.
      await waitFor('the stream again', () => decoding().at(-1) === 'stream' && details.at(-1)?.startsWith('online'), 40_000);
    } finally {
      ac.abort();
      await watching;
      if (rec) await stop(rec);
    }
    expect(decoding()).toEqual(['stream', 'recording', 'stream']);
    expect(details.at(-1)).toMatch(/^stopped/);
    expect(records).toEqual([]);
    expect(processesMatching(live.url)).toEqual([]);
    expect(processesMatching(dataDir)).toEqual([]);
    rmSync(project, { recursive: true, force: true });
  }, 120_000);

  it('input recording with nothing recorded: waits for the recorder, starts no decoder', async () => {
    const dataDir = path.join(dir, 'nothing');
    const motion = resolveMotion(motionDefaultsSchema.parse({}), { url: 'rtsp://127.0.0.1:1/cam', motion: { enabled: true, input: 'recording', zones: [], masks: [] } })!;
    const details: string[] = [];
    const ac = new AbortController();
    const watching = watchMotion({
      camera: 'idle', motion, signal: ac.signal, events: { maxEventSeconds: 300, mergeGapSeconds: 1 }, emit: () => {},
      recording: { dataDir, stallSeconds: 20 }, onState: (s, d) => details.push(`${s}: ${d ?? ''}`),
    });
    await waitFor('waiting', () => details.length > 0, 5_000);
    await new Promise((r) => setTimeout(r, 2500));
    ac.abort();
    await watching;
    expect(details).toEqual(['offline: nothing of the camera is being recorded on this machine; waiting for the recorder', 'stopped: motion source stopped']);
  });
});
