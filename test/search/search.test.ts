import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSearchOptions, type SearchOptions } from '../../src/commands/search.js';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { explainSearch, search, type SearchQuery } from '../../src/lib/catalog/search.js';
import { recordEvent } from '../../src/lib/catalog/events.js';
import { saveUpload } from '../../src/lib/catalog/uploads.js';

const T0 = Date.UTC(2024, 4, 1, 12);
const M = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A real catalog: events through the upload stage's own writer, their clips, and detector rows. */
function catalog(): Db {
  const db = openDb(mkdtempSync(path.join(os.tmpdir(), 'cctv-search-')));
  const event = (id: string, camera: string, startMs: number, labels: string[], state: 'start' | 'end' = 'end') =>
    recordEvent(db, {
      v: 1, kind: 'event', id, camera, state, at: iso(startMs), start: iso(startMs), ...(state === 'end' ? { end: iso(startMs + M) } : {}),
      labels, source: 'onvif',
    });
  const clip = (eventId: string | null, camera: string, startMs: number, name: string) =>
    saveUpload(db, {
      key: `clips/${name}.mp4`, url: `s3://b/clips/${name}.mp4`, kind: 'clip', eventId, camera, startMs, endMs: startMs + 2 * M, bytes: 10,
      sha256: 'a'.repeat(64), poster: `s3://b/clips/${name}.jpg`, manifest: null, partial: false,
    });
  const detect = (eventId: string | null, camera: string, clipStartMs: number, name: string, label: string, confidence: number) =>
    db.prepare('INSERT INTO detections (clip_url, event_id, camera, label, confidence, at_ms, start_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(`s3://b/clips/${name}.mp4`, eventId, camera, label, confidence, clipStartMs + 5000, clipStartMs);

  event('e1', 'front', T0, ['motion']); // detector: person 0.9, car 0.7
  clip('e1', 'front', T0 - 5000, 'e1');
  detect('e1', 'front', T0 - 5000, 'e1', 'person', 0.9);
  detect('e1', 'front', T0 - 5000, 'e1', 'car', 0.7);
  event('e2', 'back', T0 + 10 * M, ['person']); // camera AI only, not uploaded yet
  event('e3', 'front', T0 + 20 * M, ['motion']); // detector: person 0.5
  clip('e3', 'front', T0 + 20 * M - 5000, 'e3');
  detect('e3', 'front', T0 + 20 * M - 5000, 'e3', 'person', 0.5);
  event('e4', 'side', T0 + 30 * M, ['motion'], 'start'); // open, nothing found
  clip(null, 'side', T0 + 40 * M, 'drop1'); // plain clip from a drop folder: dog 0.8
  detect(null, 'side', T0 + 40 * M, 'drop1', 'dog', 0.8);
  event('e5', 'front', T0 - 3 * 86_400_000, ['person']); // old
  event('e6', 'back', T0 + 50 * M, ['motion'], 'start'); // camera labels change on update: motion → motion, person
  recordEvent(db, { v: 1, kind: 'event', id: 'e6', camera: 'back', state: 'update', at: iso(T0 + 51 * M), start: iso(T0 + 50 * M), labels: ['motion', 'person'], source: 'onvif' });
  return db;
}

const q = (o: Partial<SearchQuery>): SearchQuery => ({ tags: [], cameras: [], limit: 100, ...o });
const ids = (db: Db, o: Partial<SearchQuery>) => search(db, q(o)).map((m) => m.eventId ?? m.clip);

describe('search over a real catalog', () => {
  let db: Db;
  beforeAll(() => {
    db = catalog();
  });

  const cases: { name: string; q: Partial<SearchQuery>; want: (string | null)[] }[] = [
    { name: 'everything, newest first (plain clips included)', q: {}, want: ['e6', 's3://b/clips/drop1.mp4', 'e4', 'e3', 'e2', 'e1', 'e5'] },
    { name: 'tag from the detector or the camera', q: { tags: ['person'] }, want: ['e6', 'e3', 'e2', 'e1', 'e5'] },
    { name: 'camera labels follow updates of the event', q: { tags: ['person'], cameras: ['back'] }, want: ['e6', 'e2'] },
    { name: 'min confidence: detector labels at or above it, camera labels no longer count', q: { tags: ['person'], minConfidence: 0.6 }, want: ['e1'] },
    { name: 'min confidence is inclusive', q: { tags: ['person'], minConfidence: 0.5 }, want: ['e3', 'e1'] },
    { name: 'tags AND', q: { tags: ['person', 'car'] }, want: ['e1'] },
    { name: 'tags AND with a camera label', q: { tags: ['motion', 'person'] }, want: ['e6', 'e3', 'e1'] },
    { name: 'tags AND: none has both', q: { tags: ['person', 'dog'] }, want: [] },
    { name: 'cameras OR', q: { cameras: ['back', 'side'] }, want: ['e6', 's3://b/clips/drop1.mp4', 'e4', 'e2'] },
    { name: 'plain clip by tag', q: { tags: ['dog'] }, want: ['s3://b/clips/drop1.mp4'] },
    { name: 'since is inclusive, until exclusive (on the event start)', q: { sinceMs: T0, untilMs: T0 + 20 * M }, want: ['e2', 'e1'] },
    { name: 'since applies to the event start, not the clip start', q: { tags: ['person'], sinceMs: T0 - 1000 }, want: ['e6', 'e3', 'e2', 'e1'] },
    { name: 'since excludes an event whose clip began before it', q: { tags: ['car'], sinceMs: T0 + 1 }, want: [] },
    { name: 'min confidence without tags: some detector label at least that', q: { minConfidence: 0.75 }, want: ['s3://b/clips/drop1.mp4', 'e1'] },
    { name: 'limit keeps the newest', q: { tags: ['person'], limit: 2 }, want: ['e6', 'e3'] },
    { name: 'unknown tag', q: { tags: ['unicorn'] }, want: [] },
  ];
  for (const c of cases) it(c.name, () => expect(ids(db, c.q)).toEqual(c.want));

  it('returns labels with confidence and source, clip and poster URLs, open events without end', () => {
    const [e1] = search(db, q({ tags: ['car'] }));
    expect(e1).toEqual({
      eventId: 'e1', camera: 'front', startMs: T0, endMs: T0 + M, clip: 's3://b/clips/e1.mp4', poster: 's3://b/clips/e1.jpg',
      labels: [{ name: 'person', confidence: 0.9, source: 'detector' }, { name: 'car', confidence: 0.7, source: 'detector' }, { name: 'motion', confidence: null, source: 'camera' }],
    });
    const [e2] = search(db, q({ cameras: ['back'], untilMs: T0 + 11 * M }));
    expect(e2).toMatchObject({ eventId: 'e2', clip: null, poster: null, labels: [{ name: 'person', confidence: null, source: 'camera' }] });
    expect(search(db, q({ cameras: ['side'], untilMs: T0 + 31 * M }))[0]).toMatchObject({ eventId: 'e4', endMs: null, labels: [{ name: 'motion' }] });
  });

  it('answers tag and time queries from indexes (no full scan of a table)', () => {
    const shapes: Partial<SearchQuery>[] = [{ tags: ['person'] }, { tags: ['person', 'car'], cameras: ['front'], minConfidence: 0.5 }, {}, { cameras: ['front'] }, { minConfidence: 0.5 }];
    for (const shape of shapes) {
      const plan = explainSearch(db, { tags: [], cameras: [], ...shape }).flatMap((a) => a.steps);
      const scans = plan.filter((d) => /^SCAN (events|detections|uploads|event_labels)\b/.test(d) && !/USING/.test(d));
      expect(scans, `${JSON.stringify(shape)}:\n${plan.join('\n')}`).toEqual([]);
    }
  });
});

describe('search flags', () => {
  const NOW = Date.UTC(2024, 4, 2);
  const ok: [SearchOptions, Partial<SearchQuery>][] = [
    [{}, { tags: [], cameras: [], limit: 100 }],
    [{ tag: ['Person', 'person', 'car'], camera: ['front', 'front'] }, { tags: ['person', 'car'], cameras: ['front'] }],
    [{ since: '24h', until: '2024-05-01T23:00:00Z' }, { sinceMs: NOW - 86_400_000, untilMs: Date.UTC(2024, 4, 1, 23) }],
    [{ minConfidence: '0.6', limit: '5' }, { minConfidence: 0.6, limit: 5 }],
    [{ minConfidence: '1' }, { minConfidence: 1 }],
    [{ minConfidence: '0' }, { minConfidence: 0 }],
  ];
  for (const [opts, want] of ok) it(`accepts ${JSON.stringify(opts)}`, () => expect(parseSearchOptions(opts, NOW)).toMatchObject(want));

  const bad: [SearchOptions, RegExp][] = [
    [{ since: 'yesterday' }, /^--since "yesterday": use .*24h.*ISO 8601/],
    [{ until: '5 minutes' }, /^--until "5 minutes": use /],
    [{ since: '1h', until: '2h' }, /^--since 1h is not before --until 2h/],
    [{ minConfidence: '60' }, /^--min-confidence "60": use a number from 0 to 1/],
    [{ minConfidence: '1.5' }, /^--min-confidence/],
    [{ minConfidence: 'high' }, /^--min-confidence/],
    [{ limit: '0' }, /^--limit "0": use a whole number/],
    [{ limit: '-3' }, /^--limit/],
    [{ limit: '2.5' }, /^--limit/],
    [{ tag: ['per son'] }, /^--tag "per son": use a label like person/],
    [{ tag: [''] }, /^--tag/],
  ];
  for (const [opts, want] of bad) it(`rejects ${JSON.stringify(opts)}`, () => expect(() => parseSearchOptions(opts, NOW)).toThrow(want));
});
