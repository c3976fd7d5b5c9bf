import { describe, expect, it } from 'vitest';
import type { SegmentRow } from '../../src/lib/catalog/segments.js';
import { DAY_MS, overlapChecker, planRetention, type PlanInput, type RetentionPolicy } from '../../src/lib/retention/plan.js';

const NOW = Date.UTC(2024, 5, 30, 12);
const H = 3_600_000;
const policy: RetentionPolicy = {
  recordingsDays: 7, keepEventsDays: 30, maxDiskBytes: 1e12, minFreeBytes: 0, remote: false, preRollMs: 5000, postRollMs: 10_000, maxEventMs: 300_000,
};
/** A closed 1-hour, 100-byte segment of `camera` starting `daysAgo` days (+ `h` hours) before NOW. */
const seg = (daysAgo: number, o: Partial<SegmentRow> = {}): SegmentRow => {
  const startMs = NOW - daysAgo * DAY_MS;
  return { camera: 'front', path: `p${daysAgo}-${o.camera ?? 'front'}`, startMs, endMs: startMs + H, bytes: 100, closed: true, ...o };
};
const input = (o: Partial<PlanInput>): PlanInput => ({
  nowMs: NOW, policy, segments: [], events: [], inUse: { windows: [], paths: new Set() }, missing: new Set(), localClips: [],
  stored: [], freeBytes: 1e12, ...o,
});
const deleted = (i: PlanInput) => planRetention(i).segments.map((d) => `${d.segment.path}:${d.reason}`);

describe('planRetention: recordings', () => {
  const cases: { name: string; in: Partial<PlanInput>; want: string[] }[] = [
    { name: 'nothing old: nothing goes', in: { segments: [seg(1), seg(6)] }, want: [] },
    { name: 'older than recordingsDays goes (age), newer stays', in: { segments: [seg(9), seg(8), seg(6)] }, want: ['p9-front:age', 'p8-front:age'] },
    { name: 'a segment ending exactly at the cutoff stays', in: { segments: [seg(7 + 1 / 24)] }, want: [] },
    { name: 'open segment never goes, however old', in: { segments: [seg(20, { closed: false })] }, want: [] },
    { name: 'segment in an event window (kept 30 days) stays', in: {
      segments: [seg(10), seg(9)], events: [{ camera: 'front', startMs: NOW - 10 * DAY_MS + 60_000, endMs: NOW - 10 * DAY_MS + 120_000 }],
    }, want: ['p9-front:age'] },
    { name: 'pre-roll reaches into the previous segment', in: {
      segments: [seg(10), seg(10 - 1 / 24)], events: [{ camera: 'front', startMs: NOW - 10 * DAY_MS + H + 2000, endMs: NOW - 10 * DAY_MS + H + 9000 }],
    }, want: [] },
    { name: 'post-roll reaches into the next segment', in: {
      segments: [seg(10), seg(10 - 1 / 24)], events: [{ camera: 'front', startMs: NOW - 10 * DAY_MS + H - 60_000, endMs: NOW - 10 * DAY_MS + H - 5000 }],
    }, want: [] },
    { name: 'an event of another camera protects nothing here', in: {
      segments: [seg(10)], events: [{ camera: 'back', startMs: NOW - 10 * DAY_MS, endMs: NOW - 10 * DAY_MS + H }],
    }, want: ['p10-front:age'] },
    { name: 'event older than keepEventsDays protects no more', in: {
      segments: [seg(40)], events: [{ camera: 'front', startMs: NOW - 40 * DAY_MS, endMs: NOW - 40 * DAY_MS + 60_000 }],
    }, want: ['p40-front:age'] },
    { name: 'an open event protects from its start on', in: {
      segments: [seg(40), seg(9)], events: [{ camera: 'front', startMs: NOW - 9 * DAY_MS + 60_000, endMs: null }],
    }, want: ['p40-front:age'] },
    { name: 'an open event whose end never came (orphan) protects maxEventMs + post-roll, never endlessly', in: {
      segments: [seg(9), seg(8), seg(8, { camera: 'back' })], events: [{ camera: 'front', startMs: NOW - 9 * DAY_MS + 60_000, endMs: null }],
    }, want: ['p8-front:age', 'p8-back:age'] },
    { name: 'quota goes on past an orphan', in: {
      policy: { ...policy, maxDiskBytes: 200 }, segments: [seg(3), seg(2), seg(1)], events: [{ camera: 'front', startMs: NOW - 3 * DAY_MS, endMs: null }],
    }, want: ['p2-front:quota'] },
    { name: 'pending upload window keeps it (in use)', in: {
      segments: [seg(9)], inUse: { windows: [{ camera: 'front', fromMs: NOW - 9 * DAY_MS + 10, toMs: NOW - 9 * DAY_MS + 20 }], paths: new Set() },
    }, want: [] },
    { name: 'pending segment backup keeps it (in use)', in: { segments: [seg(9)], inUse: { windows: [], paths: new Set(['p9-front']) } }, want: [] },
    { name: 'catalogued but missing on disk: the row goes', in: { segments: [seg(1)], missing: new Set(['p1-front']) }, want: ['p1-front:missing'] },
    { name: 'missing but open: left alone', in: { segments: [seg(1, { closed: false })], missing: new Set(['p1-front']) }, want: [] },
    { name: 'quota: oldest unprotected first until under', in: {
      policy: { ...policy, maxDiskBytes: 250 }, segments: [seg(3), seg(1), seg(5), seg(2)],
    }, want: ['p5-front:quota', 'p3-front:quota'] },
    { name: 'quota counts open and in-use segments but deletes neither', in: {
      policy: { ...policy, maxDiskBytes: 150 }, segments: [seg(5, { closed: false }), seg(4), seg(3)], inUse: { windows: [], paths: new Set(['p4-front']) },
    }, want: ['p3-front:quota'] },
    { name: 'quota never takes event-protected segments', in: {
      policy: { ...policy, maxDiskBytes: 0 }, segments: [seg(3), seg(2)], events: [{ camera: 'front', startMs: NOW - 3 * DAY_MS, endMs: NOW - 3 * DAY_MS + 1000 }],
    }, want: ['p2-front:quota'] },
    { name: 'quota across cameras: oldest first whatever the camera', in: {
      policy: { ...policy, maxDiskBytes: 200 }, segments: [seg(3, { camera: 'back' }), seg(4), seg(2), seg(1, { camera: 'back' })],
    }, want: ['p4-front:quota', 'p3-back:quota'] },
    { name: 'emergency: unprotected oldest first, then event-protected oldest first', in: {
      policy: { ...policy, minFreeBytes: 1000 }, freeBytes: 750,
      segments: [seg(6), seg(5), seg(4), seg(3)], events: [{ camera: 'front', startMs: NOW - 6 * DAY_MS, endMs: NOW - 5 * DAY_MS + 1000 }],
    }, want: ['p4-front:emergency', 'p3-front:emergency', 'p6-front:emergency'] },
    { name: 'emergency never takes the open segment', in: {
      policy: { ...policy, minFreeBytes: 1e9 }, freeBytes: 0, segments: [seg(2, { closed: false })],
    }, want: [] },
    { name: 'emergency takes what upload work reads last (recording wins over stuck work), oldest first', in: {
      policy: { ...policy, minFreeBytes: 250 }, freeBytes: 0, segments: [seg(5), seg(4), seg(3), seg(2)],
      inUse: { windows: [{ camera: 'front', fromMs: NOW - 5 * DAY_MS, toMs: NOW - 4 * DAY_MS + 1 }], paths: new Set() },
      events: [{ camera: 'front', startMs: NOW - 3 * DAY_MS, endMs: NOW - 3 * DAY_MS + 1 }],
    }, want: ['p2-front:emergency', 'p3-front:emergency', 'p5-front:emergency'] },
    { name: 'a clock behind the newest recording: no age deletion (quota still applies)', in: {
      nowMs: NOW - 2 * DAY_MS, policy: { ...policy, recordingsDays: 1, maxDiskBytes: 250 }, segments: [seg(9), seg(8), seg(1)],
    }, want: ['p9-front:quota'] },
    { name: 'a clock within the tolerance of the newest recording is trusted', in: {
      nowMs: NOW - 30_000, policy: { ...policy, recordingsDays: 1 }, segments: [seg(9), seg(H / DAY_MS)],
    }, want: ['p9-front:age'] },
    { name: 'age deletions count toward the emergency', in: {
      policy: { ...policy, minFreeBytes: 1000 }, freeBytes: 900, segments: [seg(8), seg(2)],
    }, want: ['p8-front:age'] },
  ];
  for (const c of cases) it(c.name, () => expect(deleted(input(c.in))).toEqual(c.want));

  it('reports usage, shortfalls and the oldest kept per camera', () => {
    const p = planRetention(input({
      policy: { ...policy, maxDiskBytes: 150, minFreeBytes: 1000 }, freeBytes: 500,
      segments: [seg(9), seg(4, { closed: false }), seg(3), seg(2, { camera: 'back' })],
      events: [{ camera: 'back', startMs: NOW - 2 * DAY_MS, endMs: NOW - 2 * DAY_MS + 1000 }],
    }));
    expect(p.segments.map((d) => d.reason)).toEqual(['age', 'quota', 'emergency']);
    expect(p).toMatchObject({
      usageBytes: 400, usageAfterBytes: 100, freeBytes: 500, freeAfterBytes: 800, quotaShortfallBytes: 0, emergencyShortfallBytes: 200,
      kept: { open: 1, inUse: 0, eventProtected: 0 }, oldestKept: { front: NOW - 4 * DAY_MS },
    });
    expect(p.oldestKept.back).toBeUndefined();
    expect(p.gapAgeCutoffMs).toBe(NOW - 7 * DAY_MS);
    expect(p.clockBehindMs).toBe(0);
  });

  it('emergency deletions of recordings that work reads are marked (that work is abandoned), and counted out of kept.inUse', () => {
    const p = planRetention(input({
      policy: { ...policy, minFreeBytes: 100 }, freeBytes: 0, segments: [seg(3), seg(2)], inUse: { windows: [], paths: new Set(['p3-front', 'p2-front']) },
    }));
    expect(p.segments).toEqual([{ segment: seg(3), reason: 'emergency', abandonsWork: true }]);
    expect(p.kept.inUse).toBe(1);
  });

  it('an implausible clock skips every age rule (clips, stored objects, gaps) and says by how much', () => {
    const clip = { camera: 'front', path: '/drop/c.mp4', atMs: NOW - 20 * DAY_MS, bytes: 5, uploaded: true };
    const stored = { key: 'clips/x.mp4', url: 's3://b/clips/x.mp4', kind: 'clip' as const, eventId: 'e', camera: 'front', startMs: NOW - 60 * DAY_MS, bytes: 5, poster: null, manifest: null };
    const p = planRetention(input({
      nowMs: NOW - DAY_MS, policy: { ...policy, remote: true }, segments: [seg(20), seg(0)], localClips: [clip], stored: [stored],
    }));
    expect(p.segments).toEqual([]);
    expect(p.localClips).toEqual([]);
    expect(p.stored).toEqual([]);
    expect(p.gapAgeCutoffMs).toBeNull();
    expect(p.clockBehindMs).toBe(DAY_MS + H);
  });
});

describe('planRetention: clips', () => {
  const clip = (daysAgo: number, uploaded: boolean) => ({ camera: 'front', path: `/drop/c${daysAgo}${uploaded}.mp4`, atMs: NOW - daysAgo * DAY_MS, bytes: 5, uploaded });
  it('local clips go only when uploaded and older than recordingsDays', () => {
    const p = planRetention(input({ localClips: [clip(9, true), clip(9, false), clip(2, true), clip(60, false)] }));
    expect(p.localClips.map((c) => c.path)).toEqual(['/drop/c9true.mp4']);
  });
  const stored = (daysAgo: number, kind: 'clip' | 'segment', eventId: string | null) => ({
    key: `k${daysAgo}${kind}${eventId}`, url: `s3://b/k`, kind, eventId, camera: 'front', startMs: NOW - daysAgo * DAY_MS, bytes: 1, poster: null, manifest: null,
  });
  const objects = [stored(31, 'clip', 'e'), stored(29, 'clip', 'e'), stored(31, 'clip', null), stored(10, 'segment', null), stored(10, 'segment', 'e'), stored(6, 'segment', null)];
  it('stored objects are left to the lifecycle rule by default', () => {
    expect(planRetention(input({ stored: objects })).stored).toEqual([]);
  });
  it('with remote: clips past keepEventsDays, backup segments past recordingsDays', () => {
    const p = planRetention(input({ policy: { ...policy, remote: true }, stored: objects }));
    expect(p.stored.map((o) => o.key)).toEqual(['k31clipe', 'k31clipnull', 'k10segmentnull']);
  });
});

describe('overlapChecker', () => {
  it('merges spans per camera and walks them in order', () => {
    const c = overlapChecker([
      { camera: 'a', fromMs: 50, toMs: 60 }, { camera: 'a', fromMs: 10, toMs: 20 }, { camera: 'a', fromMs: 15, toMs: 30 }, { camera: 'b', fromMs: 0, toMs: 100 },
    ]);
    const q = (camera: string, startMs: number, endMs: number) => c.overlaps({ camera, startMs, endMs });
    expect([q('a', 0, 10), q('a', 5, 11), q('b', 5, 6), q('a', 29, 40), q('a', 30, 50), q('a', 59, 59), q('a', 60, 70), q('c', 0, 1e9)])
      .toEqual([false, true, true, true, false, true, false, false]);
  });
});
