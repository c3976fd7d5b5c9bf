import { describe, expect, it } from 'vitest';
import { entryOfManifest } from '../../src/lib/cloud-index/entry.js';
import { parseClipKey } from '../../src/lib/sites.js';
import { eventManifest, plainManifest } from './fixtures.js';

const key = (k: string) => parseClipKey(k)!;

describe('entryOfManifest', () => {
  it('an event clip not analysed yet: camera labels (once each), no detector labels', () => {
    expect(entryOfManifest(eventManifest, key('home/clips/front/2024/05/01/front-20240501T120002Z-ab12.json'))).toEqual({
      entry: {
        eventId: 'front-20240501T120002Z-ab12', camera: 'front', startMs: Date.UTC(2024, 4, 1, 12, 0, 2), endMs: Date.UTC(2024, 4, 1, 12, 0, 5),
        cameraLabels: ['motion', 'person'], detected: [],
        clip: { key: 'clips/front/2024/05/01/front-20240501T120002Z-ab12.mp4', url: eventManifest.url, poster: eventManifest.poster, startMs: Date.UTC(2024, 4, 1, 12, 0, 1) },
      },
    });
  });

  it('analysed: the best confidence per detector label', () => {
    const analysed = { ...eventManifest, detector: 'rekognition', frames: 3, analyzedAt: '2024-05-01T12:01:00.000Z', labels: [
      { name: 'person', confidence: 0.7, at: 'x' }, { name: 'person', confidence: 0.95, at: 'y' }, { name: 'car', confidence: 0.6, at: 'z' },
    ] };
    const made = entryOfManifest(analysed, key('home/clips/front/2024/05/01/front-20240501T120002Z-ab12.json'));
    expect('entry' in made && made.entry.detected).toEqual([{ name: 'person', confidence: 0.95 }, { name: 'car', confidence: 0.6 }]);
  });

  it("a plain clip (a camera's own file): the window's times, no camera labels, no poster", () => {
    expect(entryOfManifest(plainManifest, key('clips/side/2024/05/01/side-x.json'))).toEqual({
      entry: {
        eventId: null, camera: 'side', startMs: Date.UTC(2024, 4, 1, 12, 9, 40), endMs: Date.UTC(2024, 4, 1, 12, 10, 0), cameraLabels: [], detected: [],
        clip: { key: 'clips/side/2024/05/01/side-x.mp4', url: plainManifest.url, poster: null, startMs: Date.UTC(2024, 4, 1, 12, 9, 40) },
      },
    });
  });

  const broken: [string, unknown, string][] = [
    ['not an object', [1, 2], 'not a JSON object'],
    ['an event without its start', { ...eventManifest, event: { ...eventManifest.event, start: 'yesterday' } }, 'no event.start'],
    ['a plain clip without a window', { ...plainManifest, window: null }, 'no window.start'],
    ['no url', { ...eventManifest, url: undefined }, 'no url'],
  ];
  for (const [what, manifest, problem] of broken) {
    it(`refuses ${what}`, () => expect(entryOfManifest(manifest, key('home/clips/front/2024/05/01/x.json'))).toEqual({ problem }));
  }
});
