import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { startServe, type Listening } from '../../src/lib/serve/index.js';
import { ARTIFACTS, expectPlaying, launchChromium, signIn } from './browser.js';
import { DAY, makeServeFixture, type ServeFixture } from './fixture.js';

const AUTH = { username: 'owner', password: 'correct horse battery' };
let f: ServeFixture;
let server: Listening;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  f = await makeServeFixture({ serve: { auth: AUTH } });
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

  it('timeline: shows recordings, the gap and event markers; a click plays the continuous recording from there', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/timeline?camera=front&day=${DAY}`);
    await page.waitForSelector('#timeline-bar .recorded');
    expect(await page.locator('#timeline-bar .recorded').count()).toBe(2);
    expect(await page.locator('#timeline-bar .gap').count()).toBe(1);
    expect(await page.locator('#timeline-bar .marker').count()).toBe(2);
    // 12:00:15 UTC as a fraction of the day, on the bar.
    const box = (await page.locator('#timeline-bar').boundingBox())!;
    const frac = (12 * 3600 + 15) / 86400;
    await page.mouse.click(box.x + box.width * frac, box.y + box.height / 2);
    await expectPlaying(page, '#timeline-video');
    expect(await page.textContent('#timeline-status')).toMatch(/Playing front from 12:00:1\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-timeline.png'), fullPage: true });
  });

  it('live view shows each camera frame and recorder health; the layout fits a phone', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/#/live`);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.live-card[data-camera="front"] img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(await page.locator('.live-card').count()).toBe(2);
    expect(await page.textContent('.live-card[data-camera="front"]')).toMatch(/not recording.*last segment until.*0 gap\(s\) in 24 h/s);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.goto(`${server.url}/#/events`);
    await page.waitForSelector('.event-card img.poster');
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-phone.png'), fullPage: true });
  });
});
