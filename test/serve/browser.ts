import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where browser tests keep their screenshots (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * Debian's Chromium driven by playwright-core, with a fresh profile. `close()` ends the browser and removes the
 * profile. Media autoplay is allowed so tests can check playback without a gesture.
 */
export async function launchChromium(opts: { httpCredentials?: { username: string; password: string }; viewport?: { width: number; height: number }; timezoneId?: string; ignoreHTTPSErrors?: boolean } = {}): Promise<{
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(path.join(tmpdir(), 'cctv-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required',
    ],
    // A SIGHUP to the test process (serve.tls reload tests) must not close the browser, playwright's default.
    handleSIGHUP: false,
    ...opts,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the `<video>` matching `selector` can play (readyState ≥ 3) and its currentTime advances. */
export async function expectPlaying(page: Page, selector: string, timeoutMs = 15_000): Promise<{ readyState: number; advanced: number }> {
  await page.waitForFunction((s) => {
    const v = document.querySelector<HTMLVideoElement>(s);
    return !!v && v.readyState >= 3 && v.currentTime > 0;
  }, selector, { timeout: timeoutMs });
  const first = await page.$eval(selector, (v: HTMLVideoElement) => v.currentTime);
  await page.waitForFunction(([s, t]) => (document.querySelector<HTMLVideoElement>(s as string)?.currentTime ?? 0) > (t as number) + 0.3, [selector, first] as const, { timeout: timeoutMs });
  return page.$eval(selector, (v: HTMLVideoElement, t: number) => ({ readyState: v.readyState, advanced: v.currentTime - t }), first);
}

/** Signs in on the sign-in page as a person would, and waits until it has moved on to the app. */
export async function signIn(page: Page, baseUrl: string, creds: { username: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.fill('#username', creds.username);
  await page.fill('#password', creds.password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/sign-in'), page.click('#submit')]);
}
