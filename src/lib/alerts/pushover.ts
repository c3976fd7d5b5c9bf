import { z } from 'zod';
import { deliverHttp, jpegPart, mediaFileName } from './http.js';
import { alertTitle, openableLink } from './message.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

/**
 * Pushover (https://pushover.net/api): a multipart POST to `messages.json` with the application token, the user (or
 * group) key, the text, a link to the clip and the snapshot as the `attachment` part (Pushover takes one image of at
 * most 5,242,880 bytes; a larger one is left out and the link remains).
 */
export const PUSHOVER_MAX_ATTACHMENT = 5_242_880;

export const pushoverSinkSchema = z.strictObject({
  type: z.literal('pushover'),
  token: z.string().min(1).describe("the application's API token"),
  user: z.string().min(1).describe('your user (or group) key'),
  device: z.string().min(1).optional().describe('only this device of the user'),
  priority: z.number().int().min(-2).max(1).default(0).describe('-2 (silent) .. 1 (high, bypasses quiet hours on the phone)'),
  sound: z.string().min(1).optional(),
  apiUrl: z.string().url().default('https://api.pushover.net/1/messages.json'),
});
export type PushoverSinkConfig = z.infer<typeof pushoverSinkSchema>;

/** Pure: the form fields of one alert (`snapshot` null or too large: no attachment). */
export function pushoverForm(c: Omit<PushoverSinkConfig, 'type'>, alert: Alert, snapshot: Buffer | null): FormData {
  const form = new FormData();
  form.append('token', c.token);
  form.append('user', c.user);
  form.append('title', alertTitle(alert).slice(0, 250));
  form.append('message', alert.message.slice(0, 1024));
  form.append('priority', String(c.priority));
  form.append('timestamp', String(Math.floor(Date.parse(alert.at) / 1000)));
  const clip = openableLink(alert.clip);
  if (clip) {
    form.append('url', clip);
    form.append('url_title', 'Play the clip');
  }
  if (c.device) form.append('device', c.device);
  if (c.sound) form.append('sound', c.sound);
  if (snapshot && snapshot.length <= PUSHOVER_MAX_ATTACHMENT) form.append('attachment', jpegPart(snapshot), mediaFileName(alert.camera, alert.at, 'jpg'));
  return form;
}

export function createPushoverSink(c: PushoverSinkConfig & { name: string }): AlertSink {
  return {
    name: c.name,
    async send(alert: Alert): Promise<SendReceipt> {
      const form = pushoverForm(c, alert, (await alert.media?.snapshot()) ?? null);
      return deliverHttp(`pushover ${c.name}`, c.apiUrl, { method: 'POST', body: form });
    },
    close: async () => {},
  };
}
