import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motionDefaultsSchema, resolveMotion } from '../../src/lib/motion/config.js';
import { watchMotion } from '../../src/lib/motion/source.js';
import type { EventRecord } from '../../src/lib/pipeline/records.js';
import { processesMatching, spawnCctv } from '../helpers/cli.js';
import { makeMotionClips } from '../helpers/footage.js';
import { waitFor } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

/**
 * The motion source end to end on real RTSP cameras (GStreamer's RTSP server replaying clips in real time): a
 * person-sized object walking through gives one event with a start and an end; a light ramp and a cloud give none.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'cctv-motion-'));
const cameras: TestCamera[] = [];
let clips: { object: string; ramp: string };
beforeAll(async () => {
  clips = await makeMotionClips(dir);
}, 60_000);
afterAll(async () => {
  for (const c of cameras.splice(0)) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});
const camera = async (file?: string) => {
  const c = await TestCamera.start(file ? { file } : { size: '320x180', fps: 10, gop: 10 });
  cameras.push(c);
  return c;
};

describe('cctv watch-events with the motion source (process)', () => {
  it('an object walking through → one event (start, end) from the motion source; a light ramp and a cloud → nothing', async () => {
    const object = await camera(clips.object);
    const ramp = await camera(clips.ramp);
    const configPath = path.join(dir, 'cctv.config.json');
    writeFileSync(configPath, JSON.stringify({
      dataDir: path.join(dir, 'data'),
      cameras: {
        walkway: { url: 'rtsp://127.0.0.1:1/main', subUrl: object.url, motion: { enabled: true } },
        lawn: { url: ramp.url, motion: { enabled: true, decode: 'all' } },
      },
      events: { mergeGapSeconds: 1 },
    }));
    const run = spawnCctv(['--config', configPath, 'watch-events'], { cwd: dir });
    try {
      // The object is in the clip from 5 s to 10 s after the camera starts playing it; the event ends 1 s later.
      await waitFor('the end of the walkway event', () => run.records().some((r) => r.state === 'end'), 40_000, 200);
      // The ramp clip is 30 s long: its whole light change (0-18 s) has been watched by now.
      await waitFor('18 s of the ramp', () => /camera lawn: motion source running/.test(run.stderr()) && true, 5_000);
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      run.proc.kill('SIGINT');
    }
    expect(await run.exited).toBe(0);
    const events = run.records().filter((r) => r.kind === 'event') as EventRecord[];
    expect(events.map((e) => [e.camera, e.state, e.source, e.labels, e.topic])).toEqual([
      ['walkway', 'start', 'motion', ['motion'], 'motion'],
      ['walkway', 'end', 'motion', ['motion'], 'motion'],
    ]);
    const [start, end] = events as [EventRecord, EventRecord];
    expect(end.id).toBe(start.id);
    const seconds = (Date.parse(end.end!) - Date.parse(start.start)) / 1000;
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThan(8);
    expect(processesMatching(object.url)).toEqual([]);
    expect(processesMatching(ramp.url)).toEqual([]);
  }, 90_000);
});

describe('watchMotion supervision', () => {
  it('restarts the decoder after a frozen camera (stall watchdog) and after the camera vanishes; stops cleanly', async () => {
    const live = await camera();
    // The test picture: still colour bars, a small ticking clock and a patch of snow (restless pixels the background
    // learns while warming up): no event.
    const motion = resolveMotion(motionDefaultsSchema.parse({}), { url: live.url, motion: { enabled: true, decode: 'all', zones: [], masks: [] } })!;
    const states: string[] = [];
    const details: string[] = [];
    const records: EventRecord[] = [];
    const stop = new AbortController();
    const watching = watchMotion({
      camera: 'live', motion, signal: stop.signal, events: { maxEventSeconds: 300, mergeGapSeconds: 1 }, emit: (r) => records.push(r),
      timing: { stallSeconds: 2, maxBackoffSeconds: 1 },
      onState: (s, d) => (states.push(s), details.push(d ?? '')),
    });
    try {
      await waitFor('online', () => states.includes('online'), 20_000);
      live.freeze();
      await waitFor('the stall', () => details.some((d) => /no picture for 2 s/.test(d)), 15_000);
      live.thaw();
      await waitFor('online again', () => states.lastIndexOf('online') > states.indexOf('offline'), 20_000);
      await live.down();
      await waitFor('offline: camera gone', () => states.lastIndexOf('offline') > states.lastIndexOf('online'), 15_000);
      await live.up();
      await waitFor('online after the camera came back', () => states.lastIndexOf('online') > states.lastIndexOf('offline'), 20_000);
    } finally {
      stop.abort();
      await watching;
    }
    expect(states.at(-1)).toBe('stopped');
    expect(processesMatching(live.url)).toEqual([]);
    expect(records).toEqual([]);
  }, 90_000);
});
