import { z } from 'zod';
import { deliverHttp, jpegPart, mediaFileName } from './http.js';
import type { Alert, AlertSink, SendReceipt } from './types.js';

/**
 * Telegram (https://core.telegram.org/bots/api): one Bot API call per alert. With `sendClip`, the clip itself goes as
 * `sendVideo` (multipart `video`, when the clip is at most `clipMaxMb`; the Bot API takes uploads up to 50 MB); else,
 * or when the clip is larger or missing, the snapshot as `sendPhoto` (multipart `photo`, at most 10 MB); without a
 * snapshot, the text as `sendMessage`. The caption (at most 1024 characters) is the message and the clip's link.
 */
export const TELEGRAM_MAX_PHOTO = 10 * 1024 * 1024;
export const TELEGRAM_MAX_UPLOAD_MB = 50;

export const telegramSinkSchema = z.strictObject({
  type: z.literal('telegram'),
  token: z.string().min(1).describe("the bot's token from @BotFather"),
  chatId: z.union([z.string().min(1), z.number().int()]).describe('the chat (or @channel) to post to'),
  sendClip: z.boolean().default(false).describe('post the clip itself (sendVideo) instead of the snapshot'),
  clipMaxMb: z.number().positive().max(TELEGRAM_MAX_UPLOAD_MB).default(TELEGRAM_MAX_UPLOAD_MB).describe('larger clips fall back to the snapshot'),
  apiUrl: z.string().url().default('https://api.telegram.org').describe('Bot API server (a local Bot API server, tests)'),
});
export type TelegramSinkConfig = z.infer<typeof telegramSinkSchema>;

export type TelegramCall =
  | { method: 'sendVideo' | 'sendPhoto'; form: FormData }
  | { method: 'sendMessage'; json: { chat_id: string | number; text: string } };

/** Pure: the caption or text of an alert: the message and, when it is a link a phone opens, the clip. */
export function telegramText(alert: Alert): string {
  const link = /^https?:\/\//i.test(alert.clip) ? `\n${alert.clip}` : '';
  return `${alert.message}${link}`.slice(0, 1024);
}

/** Pure: the Bot API call for one alert, given what media could be read. */
export function telegramCall(c: Pick<TelegramSinkConfig, 'chatId'>, alert: Alert, media: { clip: Buffer | null; snapshot: Buffer | null }): TelegramCall {
  const caption = telegramText(alert);
  const form = (field: string, part: Blob, name: string) => {
    const f = new FormData();
    f.append('chat_id', String(c.chatId));
    f.append('caption', caption);
    f.append(field, part, name);
    return f;
  };
  if (media.clip) {
    const f = form('video', new Blob([media.clip], { type: 'video/mp4' }), mediaFileName(alert.camera, alert.at, 'mp4'));
    f.append('supports_streaming', 'true');
    return { method: 'sendVideo', form: f };
  }
  if (media.snapshot && media.snapshot.length <= TELEGRAM_MAX_PHOTO) {
    return { method: 'sendPhoto', form: form('photo', jpegPart(media.snapshot), mediaFileName(alert.camera, alert.at, 'jpg')) };
  }
  return { method: 'sendMessage', json: { chat_id: c.chatId, text: caption } };
}

export function createTelegramSink(c: TelegramSinkConfig & { name: string }): AlertSink {
  const base = `${c.apiUrl.replace(/\/+$/, '')}/bot${c.token}`;
  return {
    name: c.name,
    async send(alert: Alert): Promise<SendReceipt> {
      const clip = c.sendClip ? ((await alert.media?.clip(c.clipMaxMb * 1024 * 1024)) ?? null) : null;
      const snapshot = clip ? null : ((await alert.media?.snapshot()) ?? null);
      const call = telegramCall(c, alert, { clip, snapshot });
      const init: RequestInit = 'form' in call
        ? { method: 'POST', body: call.form }
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.json) };
      // A clip upload may take a while on a slow uplink.
      const r = await deliverHttp(`telegram ${c.name}`, `${base}/${call.method}`, init, call.method === 'sendVideo' ? 120_000 : 10_000);
      return { answer: `${call.method}: ${r.answer}` };
    },
    close: async () => {},
  };
}
