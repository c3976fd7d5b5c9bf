import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/lib/config/schema.js';
import { resolveMotion, motionDefaultsSchema, type CameraMotion } from '../../src/lib/motion/config.js';

const defaults = motionDefaultsSchema.parse({});
const camera = (motion?: Partial<CameraMotion>, subUrl?: string) => ({ url: 'rtsp://cam/main', subUrl, motion: motion && { zones: [], masks: [], ...motion } });

describe('events.motion defaults', () => {
  it('are off, decode auto, input auto, 4 samples a second, sensitivity 0.5, 0.3 % area, 2 samples, 25 %, 10 s', () => {
    expect(defaults).toEqual({
      enabled: false, decode: 'auto', input: 'auto', samplesPerSecond: 4, sensitivity: 0.5, minArea: 0.003, persistSamples: 2, maxChangedShare: 0.25, backgroundSeconds: 10,
    });
    expect(configSchema.parse({}).events.motion).toEqual(defaults);
  });
});

describe('resolveMotion', () => {
  it.each([
    ['no motion section, defaults off', camera(), false, null],
    ['enabled by the camera; no sub stream: keyframes of the main stream; the recording when recorded', camera({ enabled: true }), false, { url: 'rtsp://cam/main', keyframesOnly: true, input: 'auto', recordingKeyframesOnly: true }],
    ['input stream: never the recording', camera({ enabled: true, input: 'stream' }), false, { input: 'stream' }],
    ['decode all: every frame of the recording too', camera({ enabled: true, input: 'recording', decode: 'all' }), false, { input: 'recording', recordingKeyframesOnly: false }],
    ['a sub stream: every frame of it', camera({ enabled: true }, 'rtsp://cam/sub'), false, { url: 'rtsp://cam/sub', keyframesOnly: false }],
    ['decode all: every frame of the main stream', camera({ enabled: true, decode: 'all' }), false, { url: 'rtsp://cam/main', keyframesOnly: false }],
    ['decode keyframes: keyframes of the sub stream', camera({ enabled: true, decode: 'keyframes' }, 'rtsp://cam/sub'), false, { url: 'rtsp://cam/sub', keyframesOnly: true }],
    ['camera overrides win over the defaults', camera({ enabled: true, sensitivity: 0.8, minArea: 0.01 }), false, { sensitivity: 0.8, minArea: 0.01, persistSamples: 2 }],
    ['fallback (no other event source) turns it on', camera(), true, { url: 'rtsp://cam/main' }],
    ['…unless the camera turns it off', camera({ enabled: false }), true, null],
  ] as const)('%s', (_name, cam, fallback, want) => {
    const got = resolveMotion(defaults, cam, fallback);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatchObject(want);
  });

  it('global defaults apply to every camera; zones and masks are the camera\'s', () => {
    const zone = [[0, 0.5], [1, 0.5], [1, 1]] as [number, number][];
    const got = resolveMotion({ ...defaults, enabled: true, persistSamples: 3 }, camera({ zones: [zone] }));
    expect(got).toMatchObject({ persistSamples: 3, zones: [zone], masks: [] });
  });
});

describe('motion configuration errors name the key', () => {
  it.each([
    [{ events: { motion: { sensitivity: 2 } } }, 'events.motion.sensitivity'],
    [{ events: { motion: { decode: 'some' } } }, 'events.motion.decode'],
    [{ events: { motion: { zones: [] } } }, 'events.motion'], // zones belong to a camera
    [{ cameras: { a: { url: 'rtsp://x/1', motion: { zones: [[[0, 0], [1, 1]]] } } } }, 'cameras.a.motion.zones.0'],
    [{ cameras: { a: { url: 'rtsp://x/1', motion: { masks: [[[0, 0], [1.5, 0], [1, 1]]] } } } }, 'cameras.a.motion.masks.0.1.0'],
    [{ cameras: { a: { url: 'rtsp://x/1', subUrl: '/dev/video0' } } }, 'cameras.a.subUrl'],
  ])('%j → %s', (config, key) => {
    const r = configSchema.safeParse(config);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(key);
  });
});
