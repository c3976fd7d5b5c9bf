import { z } from 'zod';
import { deliverHttp } from './http.js';
import { alertTitle, openableLink } from './message.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

/**
 * Gotify (https://gotify.net/docs/pushmsg): a JSON POST to `<server>/message` with the application token in
 * `X-Gotify-Key`. Gotify has no attachments: the message is Markdown with the snapshot as an image link
 * (`![snapshot](poster link)`) and `client::notification` extras (`click` → the clip, `bigImageUrl` → the snapshot),
 * so the picture shows only when the links are reachable from the phone (alerts.publicUrl).
 */
export const gotifySinkSchema = z.strictObject({
  type: z.literal('gotify'),
  url: z.string().url().describe('the Gotify server, e.g. https://gotify.example.com'),
  token: z.string().min(1).describe("an application's token"),
  priority: z.number().int().min(0).max(10).default(8).describe('0..10; Android notifies from 1, makes a sound from 4, pops up from 8'),
});
export type GotifySinkConfig = z.infer<typeof gotifySinkSchema>;

/** Pure: the JSON message of one alert. */
export function gotifyMessage(c: Pick<GotifySinkConfig, 'priority'>, alert: Alert): Record<string, unknown> {
  const clip = openableLink(alert.clip);
  const poster = openableLink(alert.poster);
  const lines = [alert.message, ...(poster ? ['', `![snapshot](${poster})`] : []), ...(clip ? ['', `[Play the clip](${clip})`] : [])];
  return {
    title: alertTitle(alert),
    message: lines.join('\n'),
    priority: c.priority,
    extras: {
      'client::display': { contentType: 'text/markdown' },
      ...(clip || poster ? { 'client::notification': { ...(clip ? { click: { url: clip } } : {}), ...(poster ? { bigImageUrl: poster } : {}) } } : {}),
    },
  };
}

export function createGotifySink(c: GotifySinkConfig & { name: string }): AlertSink {
  const url = `${c.url.replace(/\/+$/, '')}/message`;
  return {
    name: c.name,
    async send(alert: Alert): Promise<SendReceipt> {
      return deliverHttp(`gotify ${c.name}`, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Gotify-Key': c.token },
        body: JSON.stringify(gotifyMessage(c, alert)),
      });
    },
    close: async () => {},
  };
}
