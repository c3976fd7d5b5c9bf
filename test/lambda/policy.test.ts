import { describe, expect, it } from 'vitest';
import { faststartFromHead, manifestAgeSeconds, needsPoster, planAnalysis, planTranscode, pollIntervalMs, type PlanOptions } from '../../src/lambda/policy.js';
import { analyzeSettings, transcodeSettings } from '../../src/lambda/env.js';
import { createdObjects, decodeS3Key } from '../../src/lambda/s3-event.js';
import { snsMessage } from '../../src/lambda/sns.js';
import { alertJson, alertTitle, composeAlert } from '../../src/lib/alerts/message.js';
import { s3Event } from './fixtures.js';

const O: Partial<PlanOptions> & Pick<PlanOptions, 'alertOn' | 'detectLabels'> = { alertOn: ['person'], detectLabels: ['person', 'car', 'dog', 'cat'] };
const uploaded = (labels: string[]) => ({
  v: 1, eventId: 'e1', camera: 'front', event: { id: 'e1', start: '2024-05-01T12:00:05.000Z', labels }, window: { start: '2024-05-01T12:00:00.000Z' }, labels,
});

describe('planAnalysis: Rekognition only when nothing settled the clip', () => {
  it.each([
    ['no manifest', null, O, { action: 'skip', reason: 'no-manifest' }],
    ['the hook already wrote it', { ...uploaded(['motion']), cloudAnalysis: { by: 'cctv-analyze-hook' } }, O, { action: 'skip', reason: 'already-analyzed-by-hook' }],
    ['local detector found a person', { ...uploaded(['motion']), detector: 'local', analyzedAt: 'x', labels: [{ name: 'person', confidence: 0.8, at: 'x' }] }, O,
      { action: 'skip', reason: 'analyzed-on-premise', detail: 'local' }],
    ['local detector found nothing', { ...uploaded(['motion']), detector: 'local', analyzedAt: 'x', labels: [] }, O, { action: 'skip', reason: 'analyzed-on-premise', detail: 'local' }],
    ['motion only', uploaded(['motion']), O, { action: 'detect', reason: 'unsettled' }],
    ['camera AI vehicle, alerts on person', uploaded(['motion', 'vehicle']), O, { action: 'detect', reason: 'unsettled' }],
    ['camera AI person, alerts on [] (nothing to settle early)', uploaded(['person']), { ...O, alertOn: [] }, { action: 'detect', reason: 'unsettled' }],
    ['camera AI person covers only one of two alert labels', uploaded(['person']), { ...O, alertOn: ['person', 'car'] }, { action: 'detect', reason: 'unsettled' }],
    ['camera AI person', uploaded(['motion', 'person']), O,
      { action: 'settle', reason: 'camera-label', detector: 'camera', labels: [{ name: 'person', confidence: 1, at: '2024-05-01T12:00:05.000Z' }] }],
    ['camera AI car, alerts on vehicle (category)', uploaded(['car']), { alertOn: ['vehicle'], detectLabels: ['vehicle'] },
      { action: 'settle', reason: 'camera-label', detector: 'camera', labels: [{ name: 'car', confidence: 1, at: '2024-05-01T12:00:05.000Z' }] }],
    ['upload labels are plain strings, not an analysis', { ...uploaded(['motion']), detector: 'x', analyzedAt: 'x', labels: ['motion'] }, O, { action: 'detect', reason: 'unsettled' }],
    // The grace period for an on-premise analysis (the manifest is uploaded before `cctv analyze` writes its labels).
    ['motion only, manifest 5 s old, grace 30 s', uploaded(['motion']), { ...O, ageSeconds: 5 }, { action: 'wait', reason: 'local-grace', seconds: 25 }],
    ['motion only, just written', uploaded(['motion']), { ...O, ageSeconds: 0 }, { action: 'wait', reason: 'local-grace', seconds: 30 }],
    ['motion only, 29.9 s old', uploaded(['motion']), { ...O, ageSeconds: 29.9 }, { action: 'wait', reason: 'local-grace', seconds: 0.1 }],
    ['motion only, exactly the grace period old', uploaded(['motion']), { ...O, ageSeconds: 30 }, { action: 'detect', reason: 'unsettled' }],
    ['motion only, grace off (0)', uploaded(['motion']), { ...O, ageSeconds: 0, graceSeconds: 0 }, { action: 'detect', reason: 'unsettled' }],
    ['motion only, age below 0 counts as 0', uploaded(['motion']), { ...O, ageSeconds: -4 }, { action: 'wait', reason: 'local-grace', seconds: 30 }],
    ['local analysis landed within the grace period', { ...uploaded(['motion']), detector: 'local', analyzedAt: 'x', labels: [] }, { ...O, ageSeconds: 2 },
      { action: 'skip', reason: 'analyzed-on-premise', detail: 'local' }],
    ['hook marker, young', { ...uploaded(['motion']), cloudAnalysis: { by: 'cctv-analyze-hook' } }, { ...O, ageSeconds: 0 }, { action: 'skip', reason: 'already-analyzed-by-hook' }],
    ['camera AI person, young: waits too (an on-premise analysis would alert as well)', uploaded(['person']), { ...O, ageSeconds: 0 },
      { action: 'wait', reason: 'local-grace', seconds: 30 }],
    ['camera AI person, grace off: settled now', uploaded(['person']), { ...O, ageSeconds: 0, graceSeconds: 0 },
      { action: 'settle', reason: 'camera-label', detector: 'camera', labels: [{ name: 'person', confidence: 1, at: '2024-05-01T12:00:05.000Z' }] }],
    ['no manifest, young', null, { ...O, ageSeconds: 0 }, { action: 'skip', reason: 'no-manifest' }],
  ])('%s', (_name, manifest, o, want) => {
    expect(planAnalysis(manifest, { ageSeconds: 3600, graceSeconds: 30, ...o } as PlanOptions)).toEqual(want);
  });

  const at = Date.parse('2024-05-01T12:00:00.000Z');
  it.each([
    ['from the event time', '2024-05-01T12:00:00.000Z', at + 5000, at + 5000, 5],
    ['at least since the hook first read it (event time ahead of the hook clock)', '2024-05-01T12:05:00.000Z', at, at + 3000, 3],
    ['no event time: since the hook first read it', undefined, at, at + 1500, 1.5],
    ['unparsable event time', 'yesterday', at, at, 0],
    ['an old retried delivery', '2024-05-01T11:00:00.000Z', at, at, 3600],
  ])('manifestAgeSeconds: %s', (_n, eventTime, seenMs, nowMs, want) => {
    expect(manifestAgeSeconds(eventTime, seenMs, nowMs)).toBe(want);
  });
  it.each([[30, 2000], [10, 1000], [2, 200], [1, 200], [600, 2000]])('pollIntervalMs(%i) = %i', (grace, want) => expect(pollIntervalMs(grace)).toBe(want));
});

/** MP4 top-level boxes: 4-byte size, 4-byte type, payload. */
const box = (type: string, size: number) => {
  const b = Buffer.alloc(Math.min(size, 64));
  b.writeUInt32BE(size, 0);
  b.write(type, 4, 'latin1');
  return b.subarray(0, Math.min(size, 64));
};
const pad = (b: Buffer, size: number) => Buffer.concat([b, Buffer.alloc(size - b.length)]);

describe('faststartFromHead', () => {
  it.each([
    ['ftyp moov mdat', Buffer.concat([pad(box('ftyp', 32), 32), box('moov', 900)]), 'yes'],
    ['ftyp free moov', Buffer.concat([pad(box('ftyp', 24), 24), pad(box('free', 8), 8), box('moov', 500)]), 'yes'],
    ['ftyp mdat … moov', Buffer.concat([pad(box('ftyp', 32), 32), box('mdat', 5_000_000)]), 'no'],
    ['ftyp moof (fragment before any moov)', Buffer.concat([pad(box('ftyp', 32), 32), box('moof', 100)]), 'no'],
    ['not an MP4', Buffer.from('\x1aE\xdf\xa3 matroska', 'latin1'), 'unknown'],
    ['head ends inside a big free box', Buffer.concat([pad(box('ftyp', 32), 32), box('free', 1 << 20)]), 'unknown'],
    ['empty', Buffer.alloc(0), 'unknown'],
  ])('%s → %s', (_n, head, want) => {
    expect(faststartFromHead(head)).toBe(want);
  });
});

describe('planTranscode', () => {
  const mp4 = 'mov,mp4,m4a,3gp,3g2,mj2';
  it.each([
    ['cctv clip', { format: mp4, video: 'h264', audio: 'aac' }, 'yes', {}, { action: 'none', reason: 'browser-ready' }],
    ['no audio', { format: mp4, video: 'h264', audio: null }, 'yes', {}, { action: 'none', reason: 'browser-ready' }],
    ['rewritten already', { format: mp4, video: 'hevc', audio: null }, 'no', { 'cctv-transcoded': 'h264' }, { action: 'none', reason: 'already-rewritten' }],
    ['H.265', { format: mp4, video: 'hevc', audio: 'aac' }, 'yes', {}, { action: 'h264', reason: 'video-codec' }],
    ['MPEG-4 part 2', { format: mp4, video: 'mpeg4', audio: null }, 'yes', {}, { action: 'h264', reason: 'video-codec' }],
    ['moov at the end', { format: mp4, video: 'h264', audio: 'aac' }, 'no', {}, { action: 'remux', reason: 'not-faststart' }],
    ['head unknown', { format: mp4, video: 'h264', audio: null }, 'unknown', {}, { action: 'remux', reason: 'not-faststart' }],
    ['G.711 audio', { format: mp4, video: 'h264', audio: 'pcm_alaw' }, 'yes', {}, { action: 'remux', reason: 'audio' }],
    ['Matroska named .mp4', { format: 'matroska,webm', video: 'h264', audio: 'aac' }, 'unknown', {}, { action: 'remux', reason: 'container' }],
    ['no video', { format: mp4, video: null, audio: 'aac' }, 'yes', {}, { action: 'none', reason: 'no-video' }],
  ])('%s', (_n, media, faststart, meta, want) => {
    expect(planTranscode({ durationSeconds: 5, ...media }, faststart as never, meta)).toEqual(want);
  });

  it.each([
    [{ camera: 'front', sha256: 'ab', start: 'x' }, false],
    [{}, true],
    [{ camera: 'front' }, true],
    [{ 'cctv-transcoded': 'h264' }, false],
  ])('needsPoster(%j) = %s', (meta, want) => expect(needsPoster(meta)).toBe(want));

});

describe('S3 events', () => {
  it('decodes keys as S3 encodes them', () => {
    expect(decodeS3Key('site+a/clips/front/x%2By%3Az.json')).toBe('site a/clips/front/x+y:z.json');
  });
  it('keeps ObjectCreated records from S3 only, each once', () => {
    const put = s3Event('b', 'site a/clips/x.json');
    const del = s3Event('b', 'site a/clips/y.json', { eventName: 'ObjectRemoved:Delete' });
    expect(createdObjects({ Records: [...put.Records!, ...put.Records!, ...del.Records!] })).toEqual([
      { bucket: 'b', key: 'site a/clips/x.json', eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: put.Records![0]!.s3.object.sequencer, eventTime: put.Records![0]!.eventTime },
    ]);
    expect(createdObjects({ Event: 's3:TestEvent' })).toEqual([]);
  });
});

describe('environment → Config', () => {
  const base = { CCTV_STORAGE_URL: 's3://cctv-clips/site', AWS_REGION: 'eu-west-2' };
  it('maps the Terraform variables onto the library config, defaults from the schema', () => {
    const s = analyzeSettings({ ...base, CCTV_DETECTOR: 'rekognition', CCTV_DETECT_LABELS: 'person, car', CCTV_MIN_CONFIDENCE: '0.7', CCTV_ALERT_LABELS: '',
      CCTV_MAX_FRAMES: '3', CCTV_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:cctv-alerts', CCTV_WEBHOOK_URL: 'https://ntfy.sh/t', CCTV_FFMPEG_PATH: '/opt/bin/ffmpeg' });
    expect(s.config.detect).toMatchObject({ detector: 'rekognition', labels: ['person', 'car'], minConfidence: 0.7, maxFramesPerEvent: 3, region: 'eu-west-2' });
    expect(s.config.alerts).toMatchObject({ on: [], webhook: { url: 'https://ntfy.sh/t' }, maxAttempts: 5 });
    expect(s.config.storage).toMatchObject({ url: 's3://cctv-clips/site', region: 'eu-west-2' });
    expect(s).toMatchObject({ snsTopicArn: 'arn:aws:sns:eu-west-2:123456789012:cctv-alerts', ffmpegPath: '/opt/bin/ffmpeg' });
    expect(analyzeSettings(base).config.alerts.on).toEqual(['person']);
    expect(analyzeSettings(base).localGraceSeconds).toBe(30);
    expect(analyzeSettings({ ...base, CCTV_LOCAL_GRACE_SECONDS: '0' }).localGraceSeconds).toBe(0);
    expect(analyzeSettings({ ...base, CCTV_LOCAL_GRACE_SECONDS: '45' }).localGraceSeconds).toBe(45);
    expect(transcodeSettings({ ...base, CCTV_CLIP_TAG: 'class=clip&tier=a' }).clipTags).toEqual({ class: 'clip', tier: 'a' });
  });
  it.each([
    [{ ...base, CCTV_STORAGE_URL: 'file:///x' }, /CCTV_STORAGE_URL: must be s3:/],
    [{ AWS_REGION: 'x' }, /CCTV_STORAGE_URL: is required/],
    [{ ...base, CCTV_DETECTOR: 'local' }, /CCTV_DETECTOR: must be rekognition/],
    [{ ...base, CCTV_DETECT_LABELS: 'person,unicorn' }, /CCTV_DETECT_LABELS \(detect\.labels\): Invalid option/],
    [{ ...base, CCTV_MIN_CONFIDENCE: '60' }, /CCTV_MIN_CONFIDENCE \(detect\.minConfidence\): Too big/],
    [{ ...base, CCTV_ALERT_LABELS: 'dog', CCTV_DETECT_LABELS: 'person' }, /CCTV_ALERT_LABELS: dog not in CCTV_DETECT_LABELS/],
    [{ ...base, CCTV_SNS_TOPIC_ARN: 'cctv-alerts' }, /CCTV_SNS_TOPIC_ARN: must be an SNS topic ARN/],
    [{ ...base, CCTV_WEBHOOK_URL: 'not a url' }, /CCTV_WEBHOOK_URL \(alerts\.webhook\.url\)/],
    [{ ...base, CCTV_LOCAL_GRACE_SECONDS: '-1' }, /CCTV_LOCAL_GRACE_SECONDS: must be 0 \(off\) or more/],
    [{ ...base, CCTV_LOCAL_GRACE_SECONDS: '1.5' }, /CCTV_LOCAL_GRACE_SECONDS: must be a whole number/],
    [{ ...base, CCTV_LOCAL_GRACE_SECONDS: '601' }, /CCTV_LOCAL_GRACE_SECONDS: must be at most 600/],
    [{ ...base, CCTV_LOCAL_GRACE_SECONDS: 'soon' }, /CCTV_LOCAL_GRACE_SECONDS: must be a number/],
  ])('refuses %j', (env, message) => {
    expect(() => analyzeSettings(env)).toThrow(message);
  });
  it('refuses a malformed clip tag', () => {
    expect(() => transcodeSettings({ ...base, CCTV_CLIP_TAG: 'class' })).toThrow(/CCTV_CLIP_TAG: "class" is not key=value/);
  });
});

describe('alert text', () => {
  const alert = composeAlert({
    camera: 'front', eventId: 'e1', detector: 'rekognition', alertOn: ['person'], clip: 'https://x/clip.mp4', poster: null,
    labels: [{ name: 'car', confidence: 0.9, at: '2024-05-01T12:00:01.000Z' }, { name: 'person', confidence: 0.876, at: '2024-05-01T12:00:03.000Z' }],
  });
  it('composeAlert names the alert labels and keeps all', () => {
    expect(alert).toMatchObject({ at: '2024-05-01T12:00:03.000Z', labels: [{ name: 'person' }], allLabels: [{ name: 'car' }, { name: 'person' }],
      message: 'person (88%) on front at 2024-05-01T12:00:03.000Z' });
    expect(() => composeAlert({ ...alert, alertOn: ['dog'], labels: alert.allLabels })).toThrow(/no alert label/);
    expect(alert).not.toHaveProperty('site');
  });
  it('with a site: named in the message, the title and the JSON', () => {
    const sited = composeAlert({ ...alert, alertOn: ['person'], labels: alert.allLabels, site: 'home' });
    expect(sited).toMatchObject({ site: 'home', message: 'person (88%) on front (home) at 2024-05-01T12:00:03.000Z' });
    expect(alertTitle(sited)).toBe('Person on front (home)');
    expect(alertJson(sited)).toMatchObject({ camera: 'front', site: 'home' });
  });
  it('SNS subject ≤ 100 printable ASCII characters; message has the links and the JSON', () => {
    const { subject, message } = snsMessage({ ...alert, message: `${'é'.repeat(120)}\nx` });
    expect(subject).toMatch(/^cctv: [\x20-\x7e]{94}$/);
    expect(message).toContain('clip: https://x/clip.mp4');
    expect(JSON.parse(message.split('\n').at(-1)!)).toMatchObject({ kind: 'alert', eventId: 'e1' });
  });
});
