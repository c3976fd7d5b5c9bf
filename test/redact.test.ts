import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, registerSecret, urlCredentials } from '../src/lib/redact.js';

describe('redactUrl: the password of every URL, split at the last @ of the authority', () => {
  it.each([
    ['rtsp://admin:pw@host/x', 'rtsp://admin:***@host/x'],
    ['rtsp://admin:Admin@123@192.168.1.20:554/Streaming/Channels/101', 'rtsp://admin:***@192.168.1.20:554/Streaming/Channels/101'],
    ['rtsp://admin:a@b@c@host', 'rtsp://admin:***@host'],
    ['rtsp://admin:Admin%40123@host:554/x', 'rtsp://admin:***@host:554/x'],
    ['rtsp://admin@host/x', 'rtsp://admin@host/x'],
    ['rtsp://host/x?user=a@b', 'rtsp://host/x?user=a@b'],
    ['http://u:p@h/a and rtsp://v:q@@w/b', 'http://u:***@h/a and rtsp://v:***@w/b'],
    ['[rtsp @ 0x55] rtsp://admin:Admin@123@10.0.0.2:554/cam: Connection refused', '[rtsp @ 0x55] rtsp://admin:***@10.0.0.2:554/cam: Connection refused'],
    // In a JSON log line: the escape stays inside the authority, the next field is not swallowed.
    ['{"url":"rtsp://admin:pa\\"ss@host/x","other":"x@y"}', '{"url":"rtsp://admin:***@host/x","other":"x@y"}'],
  ])('%s', (input, want) => {
    expect(redactUrl(input)).toBe(want);
  });

  it('urlCredentials reads the same split', () => {
    expect(urlCredentials('rtsp://admin:Admin@123@host:554/x')).toEqual({ user: 'admin', password: 'Admin@123' });
    expect(urlCredentials('rtsp://admin:pa"ss\\x@y@host/x')).toEqual({ user: 'admin', password: 'pa"ss\\x@y' });
    expect(urlCredentials('rtsp://admin@host/x')).toBeNull();
    expect(urlCredentials('rtsp://host/x')).toBeNull();
  });
});

describe('redactText: registered secrets in every form they take on the way out', () => {
  const secret = 'Qu"ot\\e@Pass';
  registerSecret(secret);
  it.each([
    ['as written', `password is ${secret}!`],
    ['JSON-escaped (a log line)', JSON.stringify({ msg: `password is ${secret}` })],
    ['twice JSON-escaped (a message quoted in a logged string)', JSON.stringify({ msg: JSON.stringify({ err: secret }) })],
    ['URL-encoded', `http://x/?p=${encodeURIComponent(secret)}`],
    ['in a stack', new Error(`login with ${secret} failed`).stack!],
  ])('%s', (_what, text) => {
    const out = redactText(text);
    expect(out).toContain('***');
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), 'ot\\e', 'Pass']) expect(out).not.toContain(form);
  });

  it('short values are not secrets (they would mask ordinary text)', () => {
    registerSecret('ab');
    expect(redactText('about')).toBe('about');
  });
});
