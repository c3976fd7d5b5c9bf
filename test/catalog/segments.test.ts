import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { allSegments, upsertSegment } from '../../src/lib/catalog/segments.js';

/** What allSegments must equal: every row as the planner wants it, by start then id (a plain query, row by row). */
const naive = (db: ReturnType<typeof openDb>) =>
  (db.prepare('SELECT camera, path, start_ms, end_ms, bytes, closed FROM segments ORDER BY start_ms, id').raw().all() as [string, string, number, number, number, number][])
    .map(([camera, p, startMs, endMs, bytes, closed]) => ({ camera, path: p, startMs, endMs, bytes, closed: closed === 1 }));

describe('allSegments (column-wise read of the catalog)', () => {
  it('an empty catalog', () => {
    expect(allSegments(openDb(mkdtempSync(path.join(os.tmpdir(), 'cctv-load-'))))).toEqual([]);
  });

  it('every row, oldest first, ties in id order, across chunk boundaries, with out-of-order inserts and odd paths', () => {
    const db = openDb(mkdtempSync(path.join(os.tmpdir(), 'cctv-load-')));
    const T = Date.UTC(2024, 0, 1);
    let n = 0;
    const add = (camera: string, startMs: number, o: { path?: string; closed?: boolean; bytes?: number } = {}) =>
      upsertSegment(db, { camera, path: o.path ?? `recordings/${camera}/${n++}.mkv`, startMs, endMs: startMs + 1000, bytes: o.bytes ?? 7 + n, closed: o.closed ?? true });
    for (let i = 0; i < 40; i++) for (const c of ['a', 'b', 'c']) add(c, T + i * 1000); // ties between cameras
    add('a', T - 5000); // recovered later: older than everything
    add('b', T + 20_500, { path: 'recordings/b/with\nnewline.mkv' });
    add('c', T + 41_000, { closed: false, path: 'recordings/c/ünïcode "quoted".mkv' });
    add('a', T + 7000); // a tie inserted last
    const want = naive(db);
    expect(want).toHaveLength(124);
    for (const chunk of [1, 3, 7, 50, 123, 124, 1000]) expect(allSegments(db, chunk), `chunk ${chunk}`).toEqual(want);
    expect(allSegments(db)).toEqual(want);
  });

  it('already in start order: the same rows', () => {
    const db = openDb(mkdtempSync(path.join(os.tmpdir(), 'cctv-load-')));
    for (let i = 0; i < 10; i++) upsertSegment(db, { camera: 'x', path: `p${i}`, startMs: i, endMs: i + 1, bytes: i, closed: i < 9 });
    expect(allSegments(db, 4)).toEqual(naive(db));
  });
});
