import { describe, expect, it } from 'vitest';
import { clipTags, eventStartOffset, siblingKeys, toLabels } from '../../src/lib/analyze/results.js';

describe('toLabels', () => {
  it('turns clip offsets into ISO times and rounds confidence to 3 places', () => {
    const box = { x: 0.1, y: 0.2, width: 0.3, height: 0.4 };
    expect(toLabels([{ name: 'person', confidence: 0.87654, offsetSeconds: 6.5, box }, { name: 'car', confidence: 0.7, offsetSeconds: 0 }], Date.parse('2024-05-01T12:00:00Z'))).toEqual([
      { name: 'person', confidence: 0.877, at: '2024-05-01T12:00:06.500Z', box },
      { name: 'car', confidence: 0.7, at: '2024-05-01T12:00:00.000Z' },
    ]);
  });
});

describe('siblingKeys', () => {
  it.each([
    ['clips/front/2024/05/01/ev.mp4', { manifest: 'clips/front/2024/05/01/ev.json', poster: 'clips/front/2024/05/01/ev.jpg' }],
    ['home/clips/front/2024/05/01/ev.mp4', { manifest: 'home/clips/front/2024/05/01/ev.json', poster: 'home/clips/front/2024/05/01/ev.jpg' }],
    ['recordings/front/2024-05-01/120000.mkv', null],
    ['recordings/front/2024-05-01/120000.mp4', null],
    ['clips/front/ev.mkv', null],
  ])('%s', (key, expected) => expect(siblingKeys(key)).toEqual(expected));
});

describe('clipTags', () => {
  it.each([
    [[], { class: 'clip' }],
    [[{ name: 'person' }], { class: 'clip', labels: 'person' }],
    [[{ name: 'person' }, { name: 'car' }], { class: 'clip', labels: 'person+car' }],
    [[{ name: 'odd,name&x' }], { class: 'clip', labels: 'odd_name_x' }],
    [Array.from({ length: 10 }, (_, i) => ({ name: `l${i}` })), { class: 'clip', labels: 'l0+l1+l2+l3+l4+l5+l6+l7' }],
  ])('%j', (labels, expected) => expect(clipTags(labels)).toEqual(expected));
});

describe('eventStartOffset', () => {
  const manifest = { event: { start: '2024-05-01T12:00:07Z' }, window: { start: '2024-05-01T12:00:00Z' } };
  it.each([
    ['from the manifest', manifest, 'ev', 7],
    ['manifest wins over the pre-roll for a plain clip too', manifest, null, 7],
    ['event clip without a manifest: the pre-roll', null, 'ev', 5],
    ['manifest without an event: the pre-roll', { window: { start: '2024-05-01T12:00:00Z' } }, 'ev', 5],
    ['plain clip: 0', { clip: {} }, null, 0],
    ['never negative', { event: { start: '2024-05-01T11:59:00Z' }, window: { start: '2024-05-01T12:00:00Z' } }, 'ev', 0],
  ])('%s', (_n, m, eventId, expected) => expect(eventStartOffset(m, eventId, 5)).toBe(expected));
});

