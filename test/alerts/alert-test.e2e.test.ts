import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCctv, tempProject } from '../helpers/cli.js';
import { decodeJpeg } from '../helpers/media.js';
import { formOf, startReceiver, type Receiver } from './receiver.js';

/** `cctv alert test` with the real binary, every kind of sink pointed at real HTTP receivers on loopback. */
let ok: Receiver;
let failing: Receiver;
beforeAll(async () => {
  [ok, failing] = await Promise.all([startReceiver(), startReceiver(503)]);
  failing.answer = 'rejected token tk_s3cret-phone';
});
afterAll(() => Promise.all([ok.close(), failing.close()]));

/** A quiet-hours window around now (UTC), so the test holds at any time of day. */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const quiet = () => ({ from: hhmm(Date.now() - 3600_000), to: hhmm(Date.now() + 3600_000) });

const sinks = (phoneUrl: string) => [
  { type: 'ntfy', name: 'phone', url: `${phoneUrl}/front-door`, token: '${NTFY_TOKEN}' },
  { type: 'pushover', token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi', user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', apiUrl: `${ok.origin}/1/messages.json` },
  { type: 'telegram', token: '123456:ABC-DEF', chatId: 42, apiUrl: ok.origin, cameras: ['back'] },
  { type: 'gotify', url: ok.origin, token: 'AvKcy9o-yvVhyKd' },
  { type: 'apprise', url: `${ok.origin}/notify/cctv` },
  { type: 'webhook', name: 'slack', url: `${ok.origin}/slack`, body: { text: '{{title}}: {{message}}' }, quietHours: quiet() },
];
const env = { NTFY_TOKEN: 'tk_s3cret-phone' };
const project = (phoneUrl: string) =>
  tempProject({
    dataDir: './data',
    cameras: { front: { url: 'rtsp://127.0.0.1:1/front' }, back: { url: 'rtsp://127.0.0.1:1/back' } },
    alerts: { sinks: sinks(phoneUrl), publicUrl: 'http://nvr.local:8080', timeZone: 'UTC' },
  });

describe('cctv alert test', () => {
  it('sends a test alert with a sample JPEG through every sink and prints what each answered', async () => {
    const p = project(ok.origin);
    ok.answer = '{"ok":true}';
    const r = await runCctv(['alert', 'test'], { cwd: p.dir, env });
    expect(r.code, r.stderr).toBe(0);
    const records = r.records();
    expect(records.map((x) => [x.kind, x.sink, x.ok])).toEqual([
      ['alert-test', 'phone', true], ['alert-test', 'pushover', true], ['alert-test', 'telegram', true], ['alert-test', 'gotify', true],
      ['alert-test', 'apprise', true], ['alert-test', 'slack', true],
    ]);
    expect(records.find((x) => x.sink === 'phone')).toMatchObject({ answer: 'HTTP 200 {"ok":true}', ms: expect.any(Number) });
    // Quiet hours never hold a test back; they are noted.
    expect(records.find((x) => x.sink === 'slack')!.note).toMatch(/^quiet hours \d\d:\d\d–\d\d:\d\d \(UTC\): a real alert would be held back now$/);
    const byPath = (prefix: string) => ok.requests.find((q) => q.path.startsWith(prefix))!;
    decodeJpeg(byPath('/front-door').raw);
    expect(byPath('/front-door').headers).toMatchObject({ title: 'Person on front', authorization: 'Bearer tk_s3cret-phone', click: 'http://nvr.local:8080/#/events' });
    decodeJpeg(Buffer.from(await ((await formOf(byPath('/1/messages.json'))).get('attachment') as File).arrayBuffer()));
    const tg = await formOf(byPath('/bot123456:ABC-DEF/sendPhoto'));
    expect(tg.get('caption')).toMatch(/^Test alert: person \(99%\) on back at /); // matches the sink's cameras
    decodeJpeg(Buffer.from(await (tg.get('photo') as File).arrayBuffer()));
    decodeJpeg(Buffer.from(await ((await formOf(byPath('/notify/cctv'))).get('attach') as File).arrayBuffer()));
    expect(byPath('/message').body).toMatchObject({ title: 'Person on front' });
    expect(byPath('/slack').body).toEqual({ text: expect.stringMatching(/^Person on front: Test alert: person \(99%\) on front/) });
    expect(ok.requests).toHaveLength(6);
  }, 60_000);

  it('exit 1 when a receiver refuses; its answer is printed with the token redacted', async () => {
    const p = project(failing.origin);
    const r = await runCctv(['alert', 'test'], { cwd: p.dir, env });
    expect(r.code).toBe(1);
    const phone = r.records().find((x) => x.sink === 'phone')!;
    expect(phone).toMatchObject({ ok: false, answer: 'ntfy phone: HTTP 503 rejected token ***' });
    expect(r.records().filter((x) => x.ok)).toHaveLength(5);
    expect(r.stderr).toContain('test alert not delivered to phone');
    expect(`${r.stdout}${r.stderr}`).not.toContain('tk_s3cret');
  }, 60_000);

  it('--sink NAME sends through that sink only; an unknown name or no sink at all is a usage error', async () => {
    const p = project(ok.origin);
    const before = ok.requests.length;
    const one = await runCctv(['alert', 'test', '--sink', 'gotify'], { cwd: p.dir, env });
    expect(one.code, one.stderr).toBe(0);
    expect(one.records().map((x) => x.sink)).toEqual(['gotify']);
    expect(ok.requests.slice(before).map((q) => q.path)).toEqual(['/message']);
    const unknown = await runCctv(['alert', 'test', '--sink', 'pager'], { cwd: p.dir, env });
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, 'cctv: --sink pager: no such sink (configured: phone, pushover, telegram, gotify, apprise, slack)']);
    const none = await runCctv(['alert', 'test'], { cwd: tempProject({ dataDir: './data' }).dir });
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining('no alert sinks configured')]);
  }, 60_000);
});
