import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { startServe, type Listening } from '../../src/lib/serve/index.js';
import type { Page } from 'playwright-core';
import { ARTIFACTS, expectPlaying, launchChromium, signIn } from './browser.js';
import { DAY, makeServeFixture, T0, type ServeFixture } from './fixture.js';

const AUTH = { username: 'owner', password: 'correct horse battery' };
let f: ServeFixture;
let server: Listening;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  f = await makeServeFixture({ site: 'home', serve: { auth: AUTH } });
  server = await startServe({ config: f.config, catalog: sqliteEventCatalog(f.db), host: '127.0.0.1', port: 0 });
  browser = await launchChromium({ timezoneId: 'UTC' });
  await signIn(browser.page, server.url, AUTH);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  f?.db.close();
  if (f) rmSync(f.dataDir, { recursive: true, force: true });
});

/** The timeline's player plays; on failure the error says what the page's status line said. */
async function timelinePlaying(page: Page): Promise<void> {
  await expectPlaying(page, '#timeline-video').catch(async (err: Error) => {
    const state = await page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('#timeline-video');
      return v && { readyState: v.readyState, currentTime: v.currentTime, paused: v.paused, hidden: v.hidden, error: v.error?.message };
    });
    throw new Error(`${err.message}; status: ${await page.textContent('#timeline-status')}; video: ${JSON.stringify(state)}`);
  });
}

describe('the web app in Chromium', () => {
  it('lists events with their poster thumbnails and labels, and keeps a screenshot', async () => {
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.url}/#/events`);
    await page.waitForSelector('.event-card');
    expect(await page.locator('.event-card').count()).toBe(3);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.event-card img.poster')].every((i) => i.complete && i.naturalWidth > 0));
    expect(await page.locator('.event-card img.poster').count()).toBe(3);
    const person = page.locator(`.event-card[data-id="${f.events.person}"]`);
    await expect(person.locator('.chip').allTextContents()).resolves.toEqual(['person 91%', 'dog 64%', 'motion']);
    // The installation's name (config site) beside the views, and in the title.
    expect(await page.textContent('header #site')).toBe('home');
    expect(await page.title()).toBe('cctv · home');
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-events.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('plays an event clip in the page, with a download link', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/events`);
    await page.locator(`.event-card[data-id="${f.events.person}"]`).click();
    const state = await expectPlaying(page, '#player-video');
    expect(state.readyState).toBeGreaterThanOrEqual(3);
    expect(await page.getAttribute('#player-download', 'href')).toMatch(/^\/media\/clip\/.+\.mp4\?download=1$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-player.png') });
    await page.click('#player-close');
  });

  it('filters: person-only view, camera, label and day', async () => {
    const { page } = browser;
    const ids = () => page.locator('.event-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-id')));
    // A hash change keeps the page: wait for the re-rendered list, not for any card (the old list's are still there).
    await page.goto(`${server.url}/#/people`);
    await expect.poll(ids, { timeout: 10_000 }).toEqual([f.events.person]);

    await page.goto(`${server.url}/#/events`);
    await page.waitForSelector('.event-card');
    await page.selectOption('#filter-camera', 'back');
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 1);
    expect(await page.locator('.event-card .sub').first().textContent()).toContain('back');

    await page.selectOption('#filter-camera', '');
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 3);
    await page.selectOption('#filter-label', 'dog');
    await expect.poll(ids, { timeout: 10_000 }).toEqual([f.events.person]);

    await page.goto(`${server.url}/#/events?day=2024-05-02`);
    await page.waitForSelector('.empty');
    await page.fill('#filter-day', DAY);
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 3);
  });

  it('timeline: shows recordings, the gap and event markers; a click plays the continuous recording from exactly that moment', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/timeline?camera=front&day=${DAY}`);
    await page.waitForSelector('#timeline-bar .recorded');
    expect(await page.locator('#timeline-bar .recorded').count()).toBe(2);
    expect(await page.locator('#timeline-bar .gap').count()).toBe(1);
    expect(await page.locator('#timeline-bar .marker').count()).toBe(2);
    // Coloured by label: both events are motion (the camera's label) events.
    expect(await page.locator('#timeline-bar .marker.label-motion').count()).toBe(2);
    // 12:00:15 UTC as a fraction of the day, on the bar.
    const box = (await page.locator('#timeline-bar').boundingBox())!;
    const frac = (12 * 3600 + 15) / 86400;
    await page.mouse.click(box.x + box.width * frac, box.y + box.height / 2);
    await expectPlaying(page, '#timeline-video');
    // The keyframe is at 12:00:14; playback starts at the clicked moment (a pixel of the day bar is ~1 min wide).
    expect(await page.textContent('#timeline-status')).toMatch(/front · 12:0\d:\d\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-timeline.png'), fullPage: true });
  });

  it('timeline: zooms to a minute, scrubs with thumbnails, plays across a segment boundary and jumps the gap', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/timeline?camera=front&day=${DAY}&at=${encodeURIComponent(new Date(T0 + 17_000).toISOString())}`);
    await timelinePlaying(page);
    const status = () => page.textContent('#timeline-status');
    expect(await status()).toMatch(/12:00:1[7-9]/); // exactly from 12:00:17, though its keyframe is at 12:00:16
    // From 12:00:17 across the segment boundary at 12:00:20 without stalling, and over the gap (12:00:30-40).
    await expect.poll(status, { timeout: 30_000, interval: 250 }).toMatch(/12:00:2[2-9]/);
    await expect.poll(status, { timeout: 40_000, interval: 250 }).toMatch(/12:00:4\d/);
    for (let i = 0; i < 5; i++) await page.click('#zoom-in');
    expect(await page.textContent('#timeline-zoom')).toBe('1 min');
    expect(await page.locator('#timeline-ticks span').first().textContent()).toMatch(/\d\d:\d\d:\d\d/);
    // The filmstrip's thumbnails are keyframes of the recordings.
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#timeline-strip img.thumb')].some((i) => i.complete && i.naturalWidth > 0), null, { timeout: 20_000 });
    // Hovering the bar over a recording shows the thumbnail of that moment.
    const rec = (await page.locator('#timeline-bar .recorded').first().boundingBox())!;
    await page.mouse.move(rec.x + rec.width / 2, rec.y + rec.height / 2);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#timeline-preview img');
      return !!img && !img.hidden && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-timeline-zoomed.png'), fullPage: true });
  }, 120_000);

  it('timeline keys: P and N jump to the previous and next event (from 3 s before it)', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/timeline?camera=front&day=${DAY}&at=${encodeURIComponent(new Date(T0 + 40_000).toISOString())}`);
    await timelinePlaying(page);
    const status = () => page.textContent('#timeline-status');
    await page.keyboard.press('p'); // the motion event at 12:00:22
    await expect.poll(status, { timeout: 20_000, interval: 100 }).toMatch(/12:00:(19|2[0-1])/);
    await page.keyboard.press('p'); // the person event at 12:00:05
    await expect.poll(status, { timeout: 20_000, interval: 100 }).toMatch(/12:00:0[2-4]/);
    await page.keyboard.press('n');
    await expect.poll(status, { timeout: 20_000, interval: 100 }).toMatch(/12:00:(19|2[0-1])/);
  }, 90_000);

  it('review marks: marked from the events grid, they survive a reload; "unreviewed only" hides them', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/events`);
    const card = page.locator(`.event-card[data-id="${f.events.motion}"]`);
    await card.locator('button.review').click();
    await expect.poll(() => card.getAttribute('class')).toContain('reviewed');
    await page.reload();
    await page.waitForSelector(`.event-card[data-id="${f.events.motion}"].reviewed`);
    expect(await page.getAttribute(`.event-card[data-id="${f.events.motion}"] button.review`, 'aria-pressed')).toBe('true');
    await page.check('#filter-unreviewed');
    await expect.poll(() => page.locator('.event-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-id'))), { timeout: 10_000 })
      .not.toContain(f.events.motion);
    await page.goto(`${server.url}/#/timeline?camera=front&day=${DAY}`);
    await page.waitForSelector(`#timeline-bar .marker.reviewed[data-id="${f.events.motion}"]`);
  });

  it('export: checks the range, names the gap, offers the zip', async () => {
    const { page } = browser;
    const from = new Date(T0 + 20_000).toISOString();
    const to = new Date(T0 + 45_000).toISOString();
    await page.goto(`${server.url}/#/export?camera=front&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    await page.waitForSelector('#export-download:not([hidden])');
    expect(await page.textContent('#export-summary')).toMatch(/front-2024-05-01T120020Z\.mp4: 0\.3 min recorded, 1 gap\(s\)/);
    const answers: number[] = [];
    page.on('response', (r) => r.url().includes('/media/export.zip') && answers.push(r.status()));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-download')]);
    expect(await download.failure(), `the zip's answers: ${answers.join(', ')}`).toBeNull();
    const zip = path.join(f.dataDir, 'browser-export.zip');
    await download.saveAs(zip);
    expect(execFileSync('unzip', ['-l', zip], { encoding: 'utf8' })).toMatch(/front-2024-05-01T120020Z\.mp4[\s\S]*manifest\.json[\s\S]*SHA256SUMS/);
  });

  it('live view of unreachable cameras: the latest recorded frame as the poster, and recorder health; the layout fits a phone', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/#/live`);
    await page.waitForSelector('.live-card[data-camera="front"] video[poster="/media/latest/front.jpg"]');
    expect(await page.evaluate(async () => (await fetch('/media/latest/front.jpg')).headers.get('content-type'))).toBe('image/jpeg');
    expect(await page.locator('.live-card').count()).toBe(2);
    expect(await page.textContent('.live-card[data-camera="front"]')).toMatch(/not recording.*last segment until.*0 gap\(s\) in 24 h/s);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.goto(`${server.url}/#/events`);
    await page.waitForSelector('.event-card img.poster');
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-phone.png'), fullPage: true });
  });
});
