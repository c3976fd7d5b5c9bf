import { z } from 'zod';
import { deliverHttp, mediaFileName } from './http.js';
import { alertTitle, deliveryKey, openableLink } from './message.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

/**
 * ntfy (https://docs.ntfy.sh/publish/): one request per alert to the topic URL. With a snapshot, the JPEG is the PUT
 * body and the text travels in headers (`Filename`, `Message`, `Title`, `Priority`, `Tags`, `Click`), so the phone
 * shows the picture in the notification; without one, the message is a plain-text POST body. Never JSON: ntfy takes
 * JSON only at its root URL, a topic URL would show it as text. ntfy.sh keeps attachments up to 15 MB for 3 hours.
 */
export const ntfySinkSchema = z.strictObject({
  type: z.literal('ntfy'),
  url: z.string().url().describe('the topic URL, e.g. https://ntfy.sh/my-secret-topic (the topic name is a password on ntfy.sh)'),
  token: z.string().min(1).optional().describe('access token (Authorization: Bearer tk_…)'),
  username: z.string().min(1).optional().describe('or HTTP Basic user (with password)'),
  password: z.string().min(1).optional(),
  priority: z.number().int().min(1).max(5).default(4).describe('1 (min) .. 5 (max, bypasses do-not-disturb on Android)'),
  tags: z.array(z.string().min(1)).default(['rotating_light']).describe('tags (emoji short codes) shown with the title'),
});
export type NtfySinkConfig = z.infer<typeof ntfySinkSchema>;

/** Pure: the request for one alert (`snapshot` null: text only). */
export function ntfyRequest(c: Omit<NtfySinkConfig, 'type'>, alert: Alert, snapshot: Buffer | null): { method: string; headers: Record<string, string>; body: string | Buffer } {
  const headers: Record<string, string> = {
    Title: headerText(alertTitle(alert)),
    Priority: String(c.priority),
    ...(c.tags.length > 0 ? { Tags: c.tags.join(',') } : {}),
  };
  const click = openableLink(alert.clip);
  if (click) headers.Click = click;
  // ntfy ≥ 2.16: a message with the sequence ID of an earlier one replaces it on the phone (a re-driven delivery).
  const sequence = deliveryKey(alert);
  if (sequence) headers['X-Sequence-ID'] = sequence;
  if (c.token) headers.Authorization = `Bearer ${c.token}`;
  else if (c.username) headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`;
  if (snapshot) {
    return { method: 'PUT', headers: { ...headers, Filename: mediaFileName(alert.camera, alert.at, 'jpg'), Message: headerText(alert.message) }, body: snapshot };
  }
  const poster = openableLink(alert.poster);
  return { method: 'POST', headers: { ...headers, ...(poster ? { Attach: poster } : {}), 'Content-Type': 'text/plain; charset=utf-8' }, body: alert.message };
}

/** A header value as ntfy reads it: ASCII as is, anything else RFC 2047-encoded (`=?UTF-8?B?…?=`). */
function headerText(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat).toString('base64')}?=`;
}

export function createNtfySink(c: NtfySinkConfig & { name: string }): AlertSink {
  return {
    name: c.name,
    async send(alert: Alert): Promise<SendReceipt> {
      const req = ntfyRequest(c, alert, (await alert.media?.snapshot()) ?? null);
      return deliverHttp(`ntfy ${c.name}`, c.url, req);
    },
    close: async () => {},
  };
}
