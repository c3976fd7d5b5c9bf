import { z } from 'zod';
import { deliverHttp, jpegPart, mediaFileName } from './http.js';
import { alertTitle, openableLink } from './message.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

/**
 * Apprise API (https://github.com/caronc/apprise-api): a multipart POST to `/notify/<KEY>` (a configuration saved in
 * Apprise, optionally narrowed by `tag`) or to `/notify` with the Apprise `urls` themselves (stateless), with `title`,
 * `body`, `type` and the snapshot as the `attach` file. Apprise then fans out to any of its 100+ services.
 */
export const appriseSinkSchema = z.strictObject({
  type: z.literal('apprise'),
  url: z.string().url().describe('http://apprise:8000/notify/<KEY>, or http://apprise:8000/notify with urls'),
  urls: z.string().min(1).optional().describe('stateless: the Apprise URLs to notify (comma or space separated)'),
  tag: z.string().min(1).optional().describe('stateful: only the URLs of the saved configuration with this tag'),
  notifyType: z.enum(['info', 'success', 'warning', 'failure']).default('warning'),
});
export type AppriseSinkConfig = z.infer<typeof appriseSinkSchema>;

/** Pure: the form fields of one alert (`snapshot` null: no attachment). */
export function appriseForm(c: Omit<AppriseSinkConfig, 'type' | 'url'>, alert: Alert, snapshot: Buffer | null): FormData {
  const form = new FormData();
  const clip = openableLink(alert.clip);
  form.append('title', alertTitle(alert));
  form.append('body', clip ? `${alert.message}\n${clip}` : alert.message);
  form.append('type', c.notifyType);
  form.append('format', 'text');
  if (c.urls) form.append('urls', c.urls);
  if (c.tag) form.append('tag', c.tag);
  if (snapshot) form.append('attach', jpegPart(snapshot), mediaFileName(alert.camera, alert.at, 'jpg'));
  return form;
}

export function createAppriseSink(c: AppriseSinkConfig & { name: string }): AlertSink {
  return {
    name: c.name,
    async send(alert: Alert): Promise<SendReceipt> {
      const form = appriseForm(c, alert, (await alert.media?.snapshot()) ?? null);
      return deliverHttp(`apprise ${c.name}`, c.url, { method: 'POST', headers: { accept: 'application/json' }, body: form });
    },
    close: async () => {},
  };
}
