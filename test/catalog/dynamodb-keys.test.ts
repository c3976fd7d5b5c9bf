import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, entryId, invMs, listSk, normaliseSequencer, padMs, startRange } from '../../src/lib/catalog/dynamodb/keys.js';
import { parseClipKey, siteNameProblem } from '../../src/lib/sites.js';

describe('DynamoDB catalog keys', () => {
  it('numbers sort as strings; inverted times sort newest first', () => {
    expect(padMs(1_714_564_800_000)).toBe('001714564800000');
    expect(padMs(5) < padMs(40)).toBe(true);
    expect(invMs(2000) < invMs(1000)).toBe(true);
  });

  it('list keys: newest first, then plain clips before events, then by id', () => {
    const keys = [listSk(1000, entryId('b', null)), listSk(2000, entryId('z', null)), listSk(1000, entryId(null, 'clips/x.mp4')), listSk(1000, entryId('a', null))];
    expect([...keys].sort()).toEqual([keys[1], keys[2], keys[3], keys[0]]);
  });

  const cases: [number | undefined, number | undefined, number, boolean][] = [
    [1000, 2000, 1000, true], // since inclusive
    [1000, 2000, 1999, true],
    [1000, 2000, 2000, false], // until exclusive
    [1000, 2000, 999, false],
    [undefined, 2000, 0, true],
    [1000, undefined, 10 ** 12, true],
  ];
  for (const [since, until, start, inside] of cases) {
    it(`a start of ${start} is ${inside ? '' : 'not '}in [${since}, ${until})`, () => {
      const { lo, hi } = startRange(since, until);
      const k = listSk(start, '1e');
      expect(k >= lo && k <= hi).toBe(inside);
    });
  }

  it('cursors round-trip; anything else is refused', () => {
    const lsk = listSk(1000, entryId('e1', null));
    expect(decodeCursor(encodeCursor(lsk))).toBe(lsk);
    for (const bad of ['garbage', '', encodeCursor('nope'), 'a b']) expect(decodeCursor(bad)).toBeNull();
  });

  it('sequencers compare after left-padding with zeros (AWS)', () => {
    expect(normaliseSequencer('0A1B2C3D4E5F678901')! < normaliseSequencer('0A1B2C3D4E5F678902')!).toBe(true);
    expect(normaliseSequencer('FF')! < normaliseSequencer('0100')!).toBe(true); // 0xFF < 0x100 despite 'F' > '0'
    expect(normaliseSequencer('617f08299329d189')).toBe('0000000000000000617F08299329D189');
    expect(normaliseSequencer('not-hex')).toBeNull();
  });
});

describe('sites', () => {
  const keys: [string, ReturnType<typeof parseClipKey>][] = [
    ['home/clips/front/2024/05/01/e1.json', { site: 'home', camera: 'front', base: 'home/clips/front/2024/05/01/e1', siteKey: 'clips/front/2024/05/01/e1.json', ext: 'json' }],
    ['clips/front/2024/05/01/e1.mp4', { site: null, camera: 'front', base: 'clips/front/2024/05/01/e1', siteKey: 'clips/front/2024/05/01/e1.mp4', ext: 'mp4' }],
    ['recordings/front/2024-05-01/120000.mkv', null],
    ['home/clips/front/2024/05/01/e1.txt', null],
    ['Bad_Site/clips/front/2024/05/01/e1.json', null],
    ['a/b/clips/front/2024/05/01/e1.json', null],
  ];
  for (const [key, want] of keys) it(`parseClipKey(${key})`, () => expect(parseClipKey(key)).toEqual(want));

  it('site names: lowercase, digits, inner hyphens; reserved layouts refused', () => {
    expect(siteNameProblem('home')).toBeNull();
    expect(siteNameProblem('shop-2')).toBeNull();
    expect(siteNameProblem('Home')).toMatch(/lowercase/);
    expect(siteNameProblem('-x')).toMatch(/lowercase/);
    expect(siteNameProblem('clips')).toMatch(/reserved/);
  });
});
