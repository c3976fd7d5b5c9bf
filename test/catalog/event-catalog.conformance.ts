import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisRow } from '../../src/lib/catalog/analyses.js';
import { CursorError, type EventCatalog, type EventQuery, type EventSummary } from '../../src/lib/catalog/event-catalog.js';
import type { GapRow, SegmentRow } from '../../src/lib/catalog/segments.js';
import type { UploadRow } from '../../src/lib/catalog/uploads.js';
import type { EventRecord } from '../../src/lib/pipeline/records.js';

/**
 * The one behavioural suite every EventCatalog passes unchanged (like test/storage/conformance.ts for Storage).
 * `setup` gets the catalog's content as the pipeline produces it and returns a catalog that holds it: event records
 * in the order they were written (start, update, end), stored objects, analyses, segments and gaps.
 */
export interface CatalogData {
  events: EventRecord[];
  uploads: UploadRow[];
  analyses: AnalysisRow[];
  segments: SegmentRow[];
  gaps: GapRow[];
}

export interface EventCatalogFixture {
  catalog: EventCatalog;
  teardown(): Promise<void>;
}

const T0 = Date.UTC(2024, 4, 1, 12);
const S = 1000;
const M = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const event = (id: string, camera: string, startMs: number, endMs: number | null, labels: string[], state: EventRecord['state'] = 'end'): EventRecord => ({
  v: 1, kind: 'event', id, camera, state, at: iso(endMs ?? startMs), start: iso(startMs), ...(endMs !== null ? { end: iso(endMs) } : {}),
  labels, source: 'onvif',
});
const upload = (key: string, eventId: string | null, camera: string, startMs: number, poster = true): UploadRow => ({
  key, url: `s3://bucket/${key}`, kind: 'clip', eventId, camera, startMs, endMs: startMs + 20 * S, bytes: 1000, sha256: 'a'.repeat(64),
  poster: poster ? `s3://bucket/${key.replace(/\.mp4$/, '.jpg')}` : null, manifest: null, partial: false,
});
const analysis = (u: UploadRow, labels: [string, number][]): AnalysisRow => ({
  clipUrl: u.url, eventId: u.eventId, camera: u.camera, startMs: u.startMs, detector: 'local', frames: 2, alert: false,
  labels: labels.map(([name, confidence]) => ({ name, confidence, at: iso(u.startMs + 5 * S) })),
});
const segment = (camera: string, fromS: number, toS: number, closed = true): SegmentRow => ({
  camera, path: `recordings/${camera}/2024-05-01/${iso(T0 + fromS * S).slice(11, 19).replace(/:/g, '')}.mkv`,
  startMs: T0 + fromS * S, endMs: T0 + toS * S, bytes: 100, closed,
});

/**
 * The data: on `front`, e1 (person 0.9 and car 0.7 by the detector, its clip and poster stored), e3 (person 0.5,
 * stored without poster) and e5 three days old; on `back`, e2 (the camera's own person label, not stored yet) and e6
 * (open: motion, then motion + person by an update); on `side`, e4 (open, nothing found) and a plain clip (dog 0.8)
 * from its drop folder; and t1-t4 on `yard`, four events that share one start (ties for paging).
 */
function data(): CatalogData {
  const u1 = upload('clips/front/2024/05/01/e1.mp4', 'e1', 'front', T0 - 5 * S);
  const u3 = upload('clips/front/2024/05/01/e3.mp4', 'e3', 'front', T0 + 20 * M - 5 * S, false);
  const drop = upload('clips/side/2024/05/01/drop1.mp4', null, 'side', T0 + 40 * M);
  const tie = T0 + 45 * M;
  return {
    events: [
      event('e1', 'front', T0, T0 + M, ['motion']),
      event('e2', 'back', T0 + 10 * M, T0 + 11 * M, ['person']),
      event('e3', 'front', T0 + 20 * M, T0 + 21 * M, ['motion']),
      event('e4', 'side', T0 + 30 * M, null, ['motion'], 'start'),
      event('e5', 'front', T0 - 3 * 86_400_000, T0 - 3 * 86_400_000 + M, ['person']),
      event('e6', 'back', T0 + 50 * M, null, ['motion'], 'start'),
      { ...event('e6', 'back', T0 + 50 * M, null, ['motion', 'person'], 'update'), at: iso(T0 + 51 * M) },
      ...['t1', 't2', 't3', 't4'].map((id) => event(id, 'yard', tie, tie + M, ['motion'])),
    ],
    uploads: [u1, u3, drop],
    analyses: [analysis(u1, [['person', 0.9], ['car', 0.7]]), analysis(u3, [['person', 0.5]]), analysis(drop, [['dog', 0.8]])],
    segments: [
      segment('front', 0, 10), segment('front', 10, 20), segment('front', 20, 30), segment('front', 40, 50),
      segment('front', 50, 51, false), // being written: its catalogued end lags
      segment('back', 0, 30),
    ],
    gaps: [
      { camera: 'front', fromMs: T0 + 30 * S, toMs: T0 + 40 * S, reason: 'camera unreachable' },
      { camera: 'front', fromMs: T0 - 2 * 86_400_000, toMs: T0 - 2 * 86_400_000 + M, reason: 'recorder not running' },
      { camera: 'back', fromMs: T0 + 30 * S, toMs: T0 + 35 * S, reason: 'camera unreachable' },
    ],
  };
}

const ids = (events: EventSummary[]) => events.map((e) => e.eventId ?? e.clipKey);
const q = (o: Partial<EventQuery> = {}): EventQuery => ({ cameras: [], labels: [], limit: 100, ...o });

export function describeEventCatalog(name: string, setup: (data: CatalogData) => Promise<EventCatalogFixture>): void {
  describe(`EventCatalog conformance: ${name}`, () => {
    let fx: EventCatalogFixture;
    let c: EventCatalog;
    beforeAll(async () => {
      fx = await setup(data());
      c = fx.catalog;
    });
    afterAll(() => fx?.teardown());

    describe('listEvents', () => {
      it('events and plain clips, newest first by start, with labels, clip key and poster', async () => {
        const page = await c.listEvents(q());
        expect(ids(page.events)).toEqual(['e6', 't1', 't2', 't3', 't4', 'clips/side/2024/05/01/drop1.mp4', 'e4', 'e3', 'e2', 'e1', 'e5'].map(String));
        expect(page.next).toBeNull();
        const byId = new Map(page.events.map((e) => [e.eventId ?? e.clipKey, e]));
        expect(byId.get('e1')).toEqual({
          eventId: 'e1', camera: 'front', startMs: T0, endMs: T0 + M, clipKey: 'clips/front/2024/05/01/e1.mp4', hasPoster: true, reviewed: false,
          labels: [{ name: 'person', confidence: 0.9, source: 'detector' }, { name: 'car', confidence: 0.7, source: 'detector' }, { name: 'motion', confidence: null, source: 'camera' }],
        });
        expect(byId.get('e3')).toMatchObject({ clipKey: 'clips/front/2024/05/01/e3.mp4', hasPoster: false });
        expect(byId.get('e2')).toMatchObject({ clipKey: null, hasPoster: false, labels: [{ name: 'person', confidence: null, source: 'camera' }] });
        expect(byId.get('e4')).toMatchObject({ endMs: null, labels: [{ name: 'motion', confidence: null, source: 'camera' }] });
        expect(byId.get('clips/side/2024/05/01/drop1.mp4')).toEqual({
          eventId: null, camera: 'side', startMs: T0 + 40 * M, endMs: T0 + 40 * M + 20 * S, clipKey: 'clips/side/2024/05/01/drop1.mp4', hasPoster: true, reviewed: false,
          labels: [{ name: 'dog', confidence: 0.8, source: 'detector' }],
        });
      });

      const cases: [string, Partial<EventQuery>, string[]][] = [
        ['a label the detector found or the camera reported', { labels: ['person'] }, ['e6', 'e3', 'e2', 'e1', 'e5']],
        ['labels all (AND)', { labels: ['person', 'car'] }, ['e1']],
        ['a camera label from a later update', { labels: ['person'], cameras: ['back'] }, ['e6', 'e2']],
        ['cameras any (OR)', { cameras: ['back', 'side'] }, ['e6', 'clips/side/2024/05/01/drop1.mp4', 'e4', 'e2']],
        ['a plain clip by its label', { labels: ['dog'] }, ['clips/side/2024/05/01/drop1.mp4']],
        ['since inclusive, until exclusive, on the start', { sinceMs: T0, untilMs: T0 + 20 * M }, ['e2', 'e1']],
        ['nothing matches', { labels: ['unicorn'] }, []],
      ];
      for (const [what, query, want] of cases) {
        it(`filters: ${what}`, async () => expect(ids((await c.listEvents(q(query))).events)).toEqual(want));
      }

      it('pages by cursor: every item once, in order, whatever the page size (ties included)', async () => {
        const all = ids((await c.listEvents(q())).events);
        for (const limit of [1, 2, 3, 4, 5, 10, 11]) {
          const seen: (string | null)[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 20; pages++) {
            const page = await c.listEvents(q({ limit, ...(cursor ? { cursor } : {}) }));
            expect(page.events.length).toBeLessThanOrEqual(limit);
            seen.push(...ids(page.events));
            if (page.next === null) break;
            cursor = page.next;
          }
          expect(seen, `limit ${limit}`).toEqual(all);
        }
      });

      it('pages with filters', async () => {
        const first = await c.listEvents(q({ labels: ['person'], limit: 2 }));
        expect(ids(first.events)).toEqual(['e6', 'e3']);
        const second = await c.listEvents(q({ labels: ['person'], limit: 2, cursor: first.next! }));
        expect(ids(second.events)).toEqual(['e2', 'e1']);
        const third = await c.listEvents(q({ labels: ['person'], limit: 2, cursor: second.next! }));
        expect(ids(third.events)).toEqual(['e5']);
        expect(third.next).toBeNull();
      });

      it('rejects a cursor it did not give out with CursorError', async () => {
        await expect(c.listEvents(q({ cursor: 'garbage' }))).rejects.toBeInstanceOf(CursorError);
      });
    });

    describe('recordings', () => {
      it('lastRecording: the newest by start, the one being written included; null without recordings', async () => {
        expect(await c.lastRecording('front')).toEqual(segment('front', 50, 51, false));
        expect(await c.lastRecording('back')).toEqual(segment('back', 0, 30));
        expect(await c.lastRecording('side')).toBeNull();
      });

      it('recordings overlapping a span, oldest first; the open one from its start whatever its catalogued end', async () => {
        const span = (fromS: number, toS: number) => ({ fromMs: T0 + fromS * S, toMs: T0 + toS * S });
        expect(await c.recordings('front', span(15, 45))).toEqual([segment('front', 10, 20), segment('front', 20, 30), segment('front', 40, 50)]);
        expect(await c.recordings('front', span(10, 20))).toEqual([segment('front', 10, 20)]); // touching ends do not overlap
        expect(await c.recordings('front', span(55, 70))).toEqual([segment('front', 50, 51, false)]);
        expect(await c.recordings('front', span(30, 40))).toEqual([]);
        expect(await c.recordings('back', span(-100, 100))).toEqual([segment('back', 0, 30)]);
        expect(await c.recordings('side', span(-100, 100))).toEqual([]);
      });

      it('gaps overlapping a span, oldest first', async () => {
        const day = { fromMs: T0 - 12 * 3_600_000, toMs: T0 + 12 * 3_600_000 };
        expect(await c.gaps('front', day)).toEqual([{ camera: 'front', fromMs: T0 + 30 * S, toMs: T0 + 40 * S, reason: 'camera unreachable' }]);
        expect(await c.gaps('front', { fromMs: T0 - 3 * 86_400_000, toMs: T0 + 86_400_000 })).toHaveLength(2);
        expect(await c.gaps('front', { fromMs: T0 + 40 * S, toMs: T0 + M })).toEqual([]);
        expect(await c.gaps('side', day)).toEqual([]);
      });
    });

    describe('cameraEvents', () => {
      it('the events of a camera overlapping a span, oldest first; an open one that starts in it', async () => {
        const hour = { fromMs: T0, toMs: T0 + 3_600_000 };
        expect(await c.cameraEvents('front', hour)).toEqual([
          { id: 'e1', startMs: T0, endMs: T0 + M, labels: ['motion'], reviewed: false },
          { id: 'e3', startMs: T0 + 20 * M, endMs: T0 + 21 * M, labels: ['motion'], reviewed: false },
        ]);
        expect(await c.cameraEvents('back', { fromMs: T0 + 45 * M, toMs: T0 + 60 * M })).toEqual([
          { id: 'e6', startMs: T0 + 50 * M, endMs: null, labels: ['motion', 'person'], reviewed: false },
        ]);
        expect(await c.cameraEvents('front', { fromMs: T0 + 2 * M, toMs: T0 + 10 * M })).toEqual([]); // e1 ended before
        expect(await c.cameraEvents('front', { fromMs: T0 + 30 * S, toMs: T0 + 2 * M })).toEqual([{ id: 'e1', startMs: T0, endMs: T0 + M, labels: ['motion'], reviewed: false }]);
      });
    });

    describe('review marks', () => {
      // Runs after the read-only tests above (vitest keeps the order); it leaves nothing marked.
      const DROP = 'clips/side/2024/05/01/drop1.mp4';
      it('marks per user: the reviewer sees their own marks, another user none; unreviewed filters them out', async () => {
        await c.setReviewed('ann', ['e1', 'e3', DROP], true);
        await c.setReviewed('ann', ['e1'], true); // idempotent
        const mine = await c.listEvents(q({ reviewer: 'ann' }));
        expect(mine.events.filter((e) => e.reviewed).map((e) => e.eventId ?? e.clipKey)).toEqual([DROP, 'e3', 'e1']);
        expect((await c.listEvents(q({ reviewer: 'bob' }))).events.every((e) => !e.reviewed)).toBe(true);
        expect((await c.listEvents(q())).events.every((e) => !e.reviewed)).toBe(true);
        expect(ids((await c.listEvents(q({ reviewer: 'ann', unreviewed: true }))).events)).toEqual(['e6', 't1', 't2', 't3', 't4', 'e4', 'e2', 'e5']);
        expect(ids((await c.listEvents(q({ reviewer: 'ann', unreviewed: true, labels: ['person'] }))).events)).toEqual(['e6', 'e2', 'e5']);
        expect(await c.cameraEvents('front', { fromMs: T0, toMs: T0 + 3_600_000 }, 'ann')).toMatchObject([{ id: 'e1', reviewed: true }, { id: 'e3', reviewed: true }]);
        expect(await c.cameraEvents('front', { fromMs: T0, toMs: T0 + 3_600_000 }, 'bob')).toMatchObject([{ id: 'e1', reviewed: false }, { id: 'e3', reviewed: false }]);
      });

      it('pages through unreviewed items by cursor: each once, in order, whatever the page size', async () => {
        const want = ids((await c.listEvents(q({ reviewer: 'ann', unreviewed: true }))).events);
        for (const limit of [1, 2, 3, 7]) {
          const seen: (string | null)[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 20; pages++) {
            const page = await c.listEvents(q({ reviewer: 'ann', unreviewed: true, limit, ...(cursor ? { cursor } : {}) }));
            seen.push(...ids(page.events));
            if (page.next === null) break;
            cursor = page.next;
          }
          expect(seen, `limit ${limit}`).toEqual(want);
        }
      });

      it('unmarks; unmarking what is not marked and marking unknown items is harmless', async () => {
        await c.setReviewed('ann', ['e1', 'e3', DROP, 'not-yet-arrived'], false);
        await c.setReviewed('bob', ['e1'], false);
        await c.setReviewed('bob', ['future-event'], true);
        await c.setReviewed('bob', ['future-event'], false);
        expect((await c.listEvents(q({ reviewer: 'ann' }))).events.every((e) => !e.reviewed)).toBe(true);
        expect(ids((await c.listEvents(q({ reviewer: 'ann', unreviewed: true }))).events)).toEqual(ids((await c.listEvents(q())).events));
      });
    });

    describe('storedClip', () => {
      it('a stored clip by its key; null for a key it does not have', async () => {
        expect(await c.storedClip('clips/front/2024/05/01/e1.mp4')).toEqual({
          key: 'clips/front/2024/05/01/e1.mp4', url: 's3://bucket/clips/front/2024/05/01/e1.mp4', poster: 's3://bucket/clips/front/2024/05/01/e1.jpg',
          camera: 'front', startMs: T0 - 5 * S,
        });
        expect(await c.storedClip('clips/front/2024/05/01/e3.mp4')).toMatchObject({ poster: null });
        expect(await c.storedClip('clips/front/2024/05/01/nope.mp4')).toBeNull();
      });
    });
  });
}
