import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { configSchema } from '../../src/lib/config/schema.js';
import { Fmp4Splitter } from '../../src/lib/ffmpeg/fmp4.js';
import { startServe, type Listening } from '../../src/lib/serve/index.js';
import { sampleLatency } from '../helpers/stamp.mjs';
import { waitFor } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';
import { ARTIFACTS, launchChromium } from './browser.js';

/**
 * Live view end to end: the real RTSP test camera burning the wall clock into its picture, `cctv serve`, real HTTP
 * clients and Chromium. Latency bounds here are generous (behaviour, not speed): bench/live.mjs measures the goal.
 */
const LIMIT = 12;
let cam: TestCamera;
let server: Listening;
let dataDir: string;
let db: Db;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

/** The ffmpeg processes reading the test camera (live sources; nothing else reads it in this file). */
function cameraFfmpegs(): number {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('ffmpeg ') && l.includes(cam.url)).length;
}

beforeAll(async () => {
  cam = await TestCamera.start({ stamp: true, gop: 25 });
  dataDir = mkdtempSync(path.join(tmpdir(), 'cctv-live-'));
  db = openDb(dataDir);
  const config = configSchema.parse({
    dataDir,
    cameras: { yard: { url: cam.url, subUrl: cam.url }, gate: { url: cam.url } },
    storage: { url: `file://${path.join(dataDir, 'archive')}` },
    serve: { limits: { liveSessions: LIMIT, liveSessionsPerUser: LIMIT } },
  });
  server = await startServe({ config, catalog: sqliteEventCatalog(db), host: '127.0.0.1', port: 0, liveLingerMs: 1000 });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await cam?.stop();
  db?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A viewer over plain HTTP: reads the stream until its init segment and `fragments` fragments came. */
async function view(fragments: number) {
  const res = await fetch(`${server.url}/media/live/yard.mp4`);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const splitter = new Fmp4Splitter();
  const pieces: { kind: string; keyframe?: boolean }[] = [];
  while (pieces.filter((p) => p.kind === 'fragment').length < fragments) {
    const { value, done } = await reader.read();
    if (done) throw new Error('live stream ended');
    pieces.push(...splitter.push(Buffer.from(value)).map((p) => ({ kind: p.kind, ...(p.kind === 'fragment' ? { keyframe: p.keyframe } : {}) })));
  }
  return { pieces, close: () => reader.cancel() };
}

describe('live: one ffmpeg per watched camera, shared', () => {
  it(`${LIMIT} viewers of one camera cost one ffmpeg, each starting with the init segment and a keyframe; one more is a 429; the ffmpeg stops after the last viewer leaves`, async () => {
    expect(cameraFfmpegs()).toBe(0);
    const viewers = [];
    for (let i = 0; i < LIMIT; i++) viewers.push(await view(3));
    for (const v of viewers) {
      expect(v.pieces[0]).toEqual({ kind: 'init' });
      expect(v.pieces[1]).toEqual({ kind: 'fragment', keyframe: true });
    }
    expect(cameraFfmpegs()).toBe(1);
    const refused = await fetch(`${server.url}/media/live/yard.mp4`);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toMatch(/serve\.limits\.liveSessions/);
    for (const v of viewers.slice(1)) await v.close();
    await new Promise((r) => setTimeout(r, 1500)); // past the linger: one viewer still watches
    expect(cameraFfmpegs()).toBe(1);
    await viewers[0]!.close();
    await waitFor('the live ffmpeg to stop after the last viewer left', () => cameraFfmpegs() === 0, 15_000);
  }, 90_000);
});

describe('live view in Chromium', () => {
  it('the grid plays every camera from one stream within seconds, near real time (the clock in the picture vs the wall clock)', async () => {
    browser = await launchChromium({ timezoneId: 'UTC' });
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/#/live`);
    // Behaviour, not speed (bench/live.mjs measures the first frame): generous under a loaded machine.
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLVideoElement>('video.live-video')].filter((v) => v.readyState >= 2 && v.currentTime > 0).length === 2, null, { timeout: 45_000 });
    // Two cameras, one HTTP stream: yard's sub stream and gate's main (it has no sub stream); an ffmpeg each.
    expect(cameraFfmpegs()).toBe(2);
    const latencies = await page.evaluate(sampleLatency, { selector: 'video.live-video[data-camera="yard"]', samples: 25, timeoutMs: 15_000 });
    expect(latencies.length).toBeGreaterThanOrEqual(10);
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    expect(median).toBeGreaterThan(0); // the picture is never from the future: the clocks agree
    expect(median).toBeLessThan(5000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-live-grid.png') });
    expect(errors).toEqual([]);
  }, 90_000);

  it('a click shows the camera full screen on its main stream; Escape returns to the grid; leaving the view stops the ffmpegs', async () => {
    const { page } = browser!;
    await page.click('.live-card[data-camera="yard"]');
    await page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('#live-full-video');
      return !!v && v.readyState >= 2 && v.currentTime > 0;
    }, null, { timeout: 20_000 });
    const latencies = await page.evaluate(sampleLatency, { selector: '#live-full-video', samples: 15, timeoutMs: 15_000 });
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies)).toBeLessThan(5000);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#live-full', { state: 'detached' });
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLVideoElement>('video.live-video')].filter((v) => v.readyState >= 2).length === 2, null, { timeout: 20_000 });
    await page.goto(`${server.url}/#/events`);
    await waitFor('every live ffmpeg to stop once the page left the live view', () => cameraFfmpegs() === 0, 20_000);
  }, 90_000);

  it('a phone (390 px wide): the grid fits the screen and plays', async () => {
    const { page } = browser!;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/#/live`);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLVideoElement>('video.live-video')].some((v) => v.readyState >= 2 && v.currentTime > 0), null, { timeout: 20_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-live-phone.png') });
  }, 60_000);
});
