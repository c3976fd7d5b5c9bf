import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/function-url-host.js';
import { expectPlaying, launchChromium } from './browser.js';
import { startHostedFixture, USERS, type HostedFixture } from './hosted-fixture.js';

// The hosted app in real Chromium: the web Lambda's handler behind the CloudFront + function-URL emulator over HTTPS,
// sign-in through the OIDC stub's form (standing in for Cognito's hosted UI), the index in dynalite, clips in s3rver
// with presigned URLs that live 4 s.
const PRESIGN_SECONDS = 4;

describe('the hosted app in Chromium', () => {
  let f: HostedFixture;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    f = await startHostedFixture({ presignSeconds: PRESIGN_SECONDS, longClip: true });
    browser = await launchChromium({ ignoreHTTPSErrors: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  /** Opens the app, is sent to the pool's sign-in form, signs in there, and is back in the app. */
  async function signIn(page: Page, user: keyof typeof USERS): Promise<void> {
    await page.goto(`${f.url}/`);
    await page.waitForURL((u) => u.origin === f.stub.url);
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', USERS[user]);
    await Promise.all([page.waitForURL((u) => u.origin === f.url && u.pathname === '/'), page.click('#stub-sign-in')]);
    await page.waitForSelector('.event-card');
  }

  it('signs in through the pool, lists the site\'s events with no live view or timeline, the session cookie __Host- Secure HttpOnly', async () => {
    const { page } = browser;
    await signIn(page, 'vic');
    expect(await page.$$eval('.event-card', (cards) => cards.map((c) => c.getAttribute('data-id')))).toEqual([...f.events.home].reverse());
    expect(await page.isHidden('nav a[data-view=timeline]')).toBe(true);
    expect(await page.isHidden('nav a[data-view=live]')).toBe(true);
    expect(await page.isHidden('#site')).toBe(true); // one site: nothing to pick
    expect(await page.textContent('#who-name')).toBe('vic (viewer)');
    const cookies = await browser.context.cookies(f.url);
    expect(cookies.map((c) => c.name)).toEqual(['__Host-cctv-session']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate('document.cookie')).toBe('');
    // The people view filters on the detector's label.
    await page.click('nav a[data-view=people]');
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 1);
  });

  it('plays a clip from a presigned URL, seeks after it expired (the player asks again), and downloads it', async () => {
    const { page } = browser;
    await page.goto(`${f.url}/#/events`);
    await page.waitForSelector('.event-card');
    await page.click(`.event-card[data-id="${f.events.home[0]}"]`);
    await expectPlaying(page, '#player-video');
    await page.$eval('#player-video', (v: HTMLVideoElement) => v.pause());
    const before = f.requests.length;
    await new Promise((r) => setTimeout(r, (PRESIGN_SECONDS + 2) * 1000));
    const target = 35;
    const buffered = await page.$eval('#player-video', (v: HTMLVideoElement, t: number) => {
      for (let i = 0; i < v.buffered.length; i++) if (v.buffered.start(i) <= t && t <= v.buffered.end(i)) return true;
      return false;
    }, target);
    expect(buffered, 'the seek target must need a new request, or this test proves nothing').toBe(false);
    await page.$eval('#player-video', (v: HTMLVideoElement, t: number) => {
      v.currentTime = t;
      void v.play();
    }, target);
    await expectPlaying(page, '#player-video', 30_000);
    expect(await page.$eval('#player-video', (v: HTMLVideoElement) => v.currentTime)).toBeGreaterThanOrEqual(target - 1);
    const asked = f.requests.slice(before).filter((e) => e.rawPath.startsWith('/media/clip/')).length;
    expect(asked, 'the player asked the app for a new URL').toBeGreaterThanOrEqual(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#player-download')]);
    expect(download.suggestedFilename()).toBe('front-2024-05-01T12-00-00-000Z.mp4');
    await page.click('#player-close');
  }, 120_000);

  it('a session ended server-side sends the page back to sign in', async () => {
    const { page } = browser;
    await page.goto(`${f.url}/#/events`);
    await page.waitForSelector('.event-card');
    const doc = DynamoDBDocumentClient.from(f.dynamo.client);
    const { Items = [] } = await doc.send(new ScanCommand({ TableName: 'cctv-web-sessions' }));
    for (const item of Items) await doc.send(new DeleteCommand({ TableName: 'cctv-web-sessions', Key: { idHash: item.idHash } }));
    await page.goto(`${f.url}/#/people`);
    await page.waitForURL((u) => u.origin === f.stub.url);
    expect(await page.isVisible('#stub-sign-in')).toBe(true);
  });

  it('signs out: the pool\'s logout, back to its sign-in; the old cookie is dead', async () => {
    const { page } = browser;
    await page.fill('input[name=username]', 'vic');
    await page.fill('input[name=password]', USERS.vic);
    await Promise.all([page.waitForURL((u) => u.origin === f.url), page.click('#stub-sign-in')]);
    await page.waitForSelector('.event-card');
    const [old] = await browser.context.cookies(f.url);
    await Promise.all([page.waitForURL((u) => u.origin === f.stub.url && u.pathname === '/oauth2/authorize'), page.click('#sign-out')]);
    expect(f.stub.seen).toContain('GET /logout');
    expect((await browser.context.cookies(f.url)).map((c) => c.name)).toEqual(['__Host-cctv-oidc']); // the next sign-in's, not a session
    expect((await send(`${f.url}/api/config`, { headers: { cookie: `${old!.name}=${old!.value}` } })).status).toBe(401);
  });

  it('on a phone, an admin picks between sites; another site\'s events are not reachable for a viewer of one', async () => {
    const phone = await launchChromium({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 } });
    try {
      const { page } = phone;
      await signIn(page, 'ada');
      expect(await page.isVisible('#site')).toBe(true);
      expect(await page.$$eval('#site option', (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['home', 'cabin']);
      await page.selectOption('#site', 'cabin');
      await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 1);
      expect(await page.getAttribute('.event-card', 'data-id')).toBe(f.events.cabin[0]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 1); // the pick is remembered
    } finally {
      await phone.close();
    }
    const viewer = await launchChromium({ ignoreHTTPSErrors: true });
    try {
      await signIn(viewer.page, 'vic');
      const answers = await viewer.page.evaluate(async (clip) => Promise.all(
        ['/api/events?site=cabin', `/media/clip/${clip}?site=cabin`, `/media/clip/${clip}?site=home`].map(async (p) => (await fetch(p)).status),
      ), f.clips.cabin[0]!);
      expect(answers).toEqual([404, 404, 404]);
    } finally {
      await viewer.close();
    }
  }, 150_000);
});
