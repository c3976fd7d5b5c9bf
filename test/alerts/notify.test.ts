import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferMedia } from '../../src/lib/alerts/media.js';
import { alertJson } from '../../src/lib/alerts/message.js';
import { ntfyRequest } from '../../src/lib/alerts/ntfy.js';
import { pushoverForm } from '../../src/lib/alerts/pushover.js';
import { sampleSnapshot } from '../../src/lib/alerts/sample.js';
import { createListedSink, sinkConfigSchema } from '../../src/lib/alerts/sinks.js';
import { webhookAdvice } from '../../src/lib/alerts/webhook.js';
import type { Alert } from '../../src/lib/alerts/types.js';
import { loadConfig, redactedConfig } from '../../src/lib/config/load.js';
import { redactText } from '../../src/lib/redact.js';
import { decodeJpeg } from '../helpers/media.js';
import { formOf, startReceiver, type Receiver } from './receiver.js';

/**
 * Each notification sink against a real HTTP receiver on loopback, checking the protocol its service documents:
 * method, path, headers, multipart field names, tokens, and that the attached picture is a JPEG ffmpeg decodes.
 */
let receiver: Receiver;
let jpeg: Buffer;
beforeAll(async () => {
  [receiver, jpeg] = await Promise.all([startReceiver(), sampleSnapshot()]);
});
afterAll(() => receiver.close());

const base: Alert = {
  v: 1, kind: 'alert', camera: 'front', eventId: 'ev1', at: '2024-05-01T12:00:03.000Z',
  labels: [{ name: 'person', confidence: 0.9, at: '2024-05-01T12:00:03.000Z' }],
  allLabels: [{ name: 'person', confidence: 0.9, at: '2024-05-01T12:00:03.000Z' }],
  detector: 'local', clip: 'https://nvr.example/media/clip/c.mp4', poster: 'https://nvr.example/media/poster/c.mp4',
  message: 'person (90%) on front at 2024-05-01T12:00:03.000Z',
};
const withPicture = (a: Alert = base): Alert => ({ ...a, media: bufferMedia(jpeg) });
const sink = (c: Record<string, unknown>) => createListedSink(sinkConfigSchema.parse(c), 'UTC');
const last = () => receiver.requests.at(-1)!;

describe('the sample snapshot', () => {
  it('is a JPEG drawn by ffmpeg at run time', () => {
    expect(decodeJpeg(jpeg)).toEqual({ codec: 'mjpeg', width: 640, height: 360 });
  });
});

describe('ntfy', () => {
  it('PUTs the JPEG to the topic with the text in headers (Filename, Message, Title, Priority, Tags, Click, token)', async () => {
    receiver.answer = '{"id":"abc123","event":"message"}';
    const r = await sink({ type: 'ntfy', name: 'phone', url: `${receiver.origin}/cctv-front`, token: 'tk_s3cret', priority: 5 }).send(withPicture());
    expect(r).toEqual({ answer: 'HTTP 200 {"id":"abc123","event":"message"}' });
    const req = last();
    expect([req.method, req.path]).toEqual(['PUT', '/cctv-front']);
    expect(req.headers).toMatchObject({
      filename: 'front-20240501T120003Z.jpg', message: base.message, title: 'Person on front', priority: '5', tags: 'rotating_light',
      click: base.clip, authorization: 'Bearer tk_s3cret',
    });
    expect(req.headers['content-type']).toBeUndefined(); // never JSON: ntfy shows JSON at a topic URL as text
    expect(req.raw.equals(jpeg)).toBe(true);
    decodeJpeg(req.raw);
  });

  it('without a picture: the message as a plain-text POST, the poster link as Attach; HTTP Basic when configured', async () => {
    await sink({ type: 'ntfy', url: `${receiver.origin}/t`, username: 'me', password: 'pw-1234' }).send(base);
    const req = last();
    expect([req.method, req.raw.toString(), req.headers.attach, req.headers.authorization]).toEqual([
      'POST', base.message, base.poster, `Basic ${Buffer.from('me:pw-1234').toString('base64')}`,
    ]);
    expect(req.headers.filename).toBeUndefined();
  });

  it('links a phone cannot open are left out; non-ASCII header text is RFC 2047-encoded', () => {
    const r = ntfyRequest({ url: 'x', priority: 3, tags: [] }, { ...base, clip: 'file:///data/c.mp4', poster: null, message: 'Person – front' }, null);
    expect(r.headers.Click).toBeUndefined();
    expect(r.headers.Attach).toBeUndefined();
    const enc = ntfyRequest({ url: 'x', priority: 3, tags: [] }, { ...base, message: 'Person – front' }, jpeg).headers.Message!;
    expect(enc).toBe(`=?UTF-8?B?${Buffer.from('Person – front').toString('base64')}?=`);
  });

  it('a refused request rejects naming the sink, never the URL or the token', async () => {
    receiver.status = 401;
    receiver.answer = '{"code":40101,"error":"unauthorized"}';
    const err = await sink({ type: 'ntfy', name: 'phone', url: `${receiver.origin}/secret-topic`, token: 'tk_s3cret' }).send(withPicture()).catch((e: Error) => e);
    expect((err as Error).message).toBe('ntfy phone: HTTP 401 {"code":40101,"error":"unauthorized"}');
    receiver.status = 200;
  });
});

describe('Pushover', () => {
  it('POSTs multipart to messages.json: token, user, text, link, priority and the JPEG as `attachment`', async () => {
    receiver.answer = '{"status":1,"request":"5042853c-402d-4a18-abcb-168734a801de"}';
    const r = await sink({ type: 'pushover', token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi', user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', priority: 1, apiUrl: `${receiver.origin}/1/messages.json` }).send(withPicture());
    expect(r).toEqual({ answer: expect.stringContaining('HTTP 200 {"status":1') });
    const req = last();
    expect([req.method, req.path]).toEqual(['POST', '/1/messages.json']);
    expect(String(req.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    const form = await formOf(req);
    expect(Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'))).toEqual({
      token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi', user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', title: 'Person on front', message: base.message,
      priority: '1', timestamp: String(Date.parse(base.at) / 1000), url: base.clip, url_title: 'Play the clip',
    });
    const file = form.get('attachment') as File;
    expect([file.name, file.type]).toEqual(['front-20240501T120003Z.jpg', 'image/jpeg']);
    decodeJpeg(Buffer.from(await file.arrayBuffer()));
  });

  it('a picture over 5,242,880 bytes is left out (Pushover would reject the message)', () => {
    const big = Buffer.alloc(5_242_881);
    expect(pushoverForm({ token: 't', user: 'u', priority: 0, apiUrl: 'x' }, base, big).has('attachment')).toBe(false);
  });
});

describe('Telegram', () => {
  const bot = (extra: Record<string, unknown> = {}) => sink({ type: 'telegram', token: '123456:ABC-DEF', chatId: -1001234, apiUrl: receiver.origin, ...extra });

  it('sendPhoto: multipart chat_id, caption and the JPEG as `photo`, the token in the path', async () => {
    receiver.answer = '{"ok":true,"result":{"message_id":42}}';
    const r = await bot().send(withPicture());
    expect(r).toEqual({ answer: 'sendPhoto: HTTP 200 {"ok":true,"result":{"message_id":42}}' });
    const req = last();
    expect([req.method, req.path]).toEqual(['POST', '/bot123456:ABC-DEF/sendPhoto']);
    const form = await formOf(req);
    // Multipart text fields carry CRLF line breaks (the HTML form encoding every client uses).
    expect([form.get('chat_id'), form.get('caption')]).toEqual(['-1001234', `${base.message}\r\n${base.clip}`]);
    decodeJpeg(Buffer.from(await (form.get('photo') as File).arrayBuffer()));
  });

  it('sendClip: the clip as `video` (sendVideo) when within clipMaxMb, else the photo', async () => {
    const clip = Buffer.from('0000001866747970', 'hex'); // the start of an MP4: what matters is that its bytes arrive
    await bot({ sendClip: true }).send({ ...base, media: bufferMedia(jpeg, clip) });
    expect(last().path).toBe('/bot123456:ABC-DEF/sendVideo');
    const form = await formOf(last());
    const video = form.get('video') as File;
    expect([video.name, video.type, Buffer.from(await video.arrayBuffer()).equals(clip), form.get('supports_streaming')]).toEqual([
      'front-20240501T120003Z.mp4', 'video/mp4', true, 'true',
    ]);
    await bot({ sendClip: true, clipMaxMb: 0.000001 }).send({ ...base, media: bufferMedia(jpeg, clip) });
    expect(last().path).toBe('/bot123456:ABC-DEF/sendPhoto');
  });

  it('no picture: sendMessage as JSON', async () => {
    await bot().send(base);
    expect([last().path, last().body]).toEqual(['/bot123456:ABC-DEF/sendMessage', { chat_id: -1001234, text: `${base.message}\n${base.clip}` }]);
  });
});

describe('Gotify (no attachments: a Markdown image link)', () => {
  it('POSTs JSON to /message with X-Gotify-Key; the snapshot as a Markdown image and bigImageUrl, the clip as click', async () => {
    receiver.answer = '{"id":25,"appid":5}';
    await sink({ type: 'gotify', url: `${receiver.origin}/`, token: 'AvKcy9o-yvVhyKd' }).send(withPicture());
    const req = last();
    expect([req.method, req.path, req.headers['x-gotify-key'], req.headers['content-type']]).toEqual(['POST', '/message', 'AvKcy9o-yvVhyKd', 'application/json']);
    expect(req.body).toEqual({
      title: 'Person on front',
      message: `${base.message}\n\n![snapshot](${base.poster})\n\n[Play the clip](${base.clip})`,
      priority: 8,
      extras: { 'client::display': { contentType: 'text/markdown' }, 'client::notification': { click: { url: base.clip }, bigImageUrl: base.poster } },
    });
  });
});

describe('Apprise API', () => {
  it('POSTs multipart to /notify/<KEY>: title, body, type, format, tag and the JPEG as `attach`', async () => {
    receiver.answer = 'Notification(s) sent.';
    await sink({ type: 'apprise', url: `${receiver.origin}/notify/cctv`, tag: 'family' }).send(withPicture());
    const req = last();
    expect([req.method, req.path]).toEqual(['POST', '/notify/cctv']);
    const form = await formOf(req);
    expect([form.get('title'), form.get('body'), form.get('type'), form.get('format'), form.get('tag'), form.get('urls')]).toEqual([
      'Person on front', `${base.message}\r\n${base.clip}`, 'warning', 'text', 'family', null,
    ]);
    decodeJpeg(Buffer.from(await (form.get('attach') as File).arrayBuffer()));
  });

  it('stateless: the Apprise URLs in `urls`', async () => {
    await sink({ type: 'apprise', url: `${receiver.origin}/notify`, urls: 'mailto://u:p@example.com' }).send(base);
    const form = await formOf(last());
    expect([last().path, form.get('urls'), form.get('attach')]).toEqual(['/notify', 'mailto://u:p@example.com', null]);
  });
});

describe('webhook', () => {
  it('default: the alert JSON of the contract (no media accessors)', async () => {
    await sink({ type: 'webhook', url: receiver.url }).send(withPicture());
    expect(last().body).toEqual(alertJson(base));
    expect(last().headers['content-type']).toBe('application/json');
  });

  it('an object template is sent as JSON with the placeholders filled (Slack, Discord, Teams)', async () => {
    await sink({ type: 'webhook', url: receiver.url, body: { text: '{{title}}: {{message}} <{{clip}}|Play>', blocks: [{ type: 'image', image_url: '{{poster}}' }] } }).send(base);
    expect(last().body).toEqual({ text: `Person on front: ${base.message} <${base.clip}|Play>`, blocks: [{ type: 'image', image_url: base.poster }] });
  });

  it('a string template is sent as it renders, with its content type; PUT when asked', async () => {
    await sink({ type: 'webhook', url: receiver.url, method: 'PUT', body: '{{camera}} {{labels}} {{eventId}}', contentType: 'text/x-cctv' }).send(base);
    expect([last().method, last().raw.toString(), last().headers['content-type']]).toEqual(['PUT', 'front person ev1', 'text/x-cctv']);
  });

  it('doctor advice: an ntfy topic as a plain webhook shows JSON as text', () => {
    expect(webhookAdvice('https://ntfy.sh/my-topic', undefined)).toContain('use a sink { type: ntfy }');
    expect(webhookAdvice('https://ntfy.sh/my-topic', 'text {{message}}')).toBeNull();
    expect(webhookAdvice('https://hooks.slack.com/services/x', undefined)).toBeNull();
  });

  it('an unknown placeholder is a configuration error naming it', () => {
    const r = sinkConfigSchema.safeParse({ type: 'webhook', url: 'http://x', body: { text: '{{nme}}' } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('unknown placeholder {{nme}}');
  });
});

describe('configuration of alerts.sinks', () => {
  const load = (yaml: string, env: Record<string, string> = {}) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cctv-sinks-'));
    writeFileSync(path.join(dir, 'cctv.config.yaml'), `cameras:\n  front:\n    url: rtsp://h/s\n${yaml}`);
    return loadConfig({ cwd: dir, env });
  };

  it('tokens are registered secrets and redacted in doctor output; URLs show their origin only', async () => {
    const { config } = await load(
      'alerts:\n  sinks:\n    - { type: ntfy, name: phone, url: "https://ntfy.sh/${TOPIC}", token: "${NTFY_TOKEN}" }\n    - { type: telegram, token: "${TG}", chatId: 1 }\n',
      { TOPIC: 'front-door-8c2f', NTFY_TOKEN: 'tk_abcdefgh', TG: '123456:ABCDEF' },
    );
    expect(redactText('tk_abcdefgh at https://ntfy.sh/front-door-8c2f via /bot123456:ABCDEF/sendPhoto')).toBe('*** at *** via /bot***/sendPhoto');
    const shown = JSON.stringify(redactedConfig(config));
    expect(shown).not.toMatch(/tk_abcdefgh|front-door-8c2f|ABCDEF/);
    expect(shown).toContain('"url":"https://ntfy.sh/***"');
  });

  it('names are unique, cameras exist, labels can alert, time zones are IANA names, quiet hours are HH:MM', async () => {
    await expect(load('alerts:\n  sinks:\n    - { type: ntfy, url: "http://a/b" }\n    - { type: ntfy, url: "http://a/c" }\n')).rejects.toThrow(
      'alerts.sinks.1 (cctv.config.yaml line 7): a second sink named "ntfy": give each sink its own name (name: …)',
    );
    await expect(load('alerts:\n  sinks:\n    - { type: ntfy, url: "http://a/b", cameras: [back] }\n')).rejects.toThrow('no camera "back" (configured: front)');
    await expect(load('alerts:\n  sinks:\n    - { type: ntfy, url: "http://a/b", labels: [dog] }\n')).rejects.toThrow('"dog" never alerts (alerts.on: person)');
    await expect(load('alerts:\n  timeZone: Mars/Olympus\n')).rejects.toThrow('not an IANA time zone');
    await expect(load('alerts:\n  sinks:\n    - { type: ntfy, url: "http://a/b", quietHours: { from: "25:00", to: "07:00" } }\n')).rejects.toThrow('must be HH:MM');
    await expect(load('alerts:\n  sinks:\n    - { type: sms, url: "http://a/b" }\n')).rejects.toThrow('alerts.sinks.0.type');
  });
});
