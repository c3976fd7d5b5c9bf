import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { explainSearch, search, type SearchQuery } from '../../src/lib/catalog/search.js';

/**
 * search() walks each arm's index newest first and stops at the limit. Its answer must be exactly what one SQL
 * `UNION … ORDER BY t DESC LIMIT n` over every match gives (the query search() ran before, kept here as the
 * reference), ties and duplicates included, on a catalog built to have many of both.
 */
const LEAD = 2 * 3_600_000;
function referenceSql(q: Pick<SearchQuery, 'tags' | 'cameras' | 'minConfidence'>): string {
  const camera = (col: string) => (q.cameras.length > 0 ? ` AND ${col} IN (SELECT value FROM json_each(@cameras))` : '');
  const tagMatch = (eid: string, clip: string, tag: string) =>
    `(${eid} IS NOT NULL AND ((@anyConf AND EXISTS (SELECT 1 FROM event_labels WHERE event_id = ${eid} AND label = ${tag}))
      OR EXISTS (SELECT 1 FROM detections WHERE event_id = ${eid} AND label = ${tag} AND confidence >= @minc)))
     OR (${clip} IS NOT NULL AND EXISTS (SELECT 1 FROM detections WHERE clip_url = ${clip} AND label = ${tag} AND confidence >= @minc))`;
  const anyDetection = (eid: string, clip: string) =>
    `(${eid} IS NOT NULL AND EXISTS (SELECT 1 FROM detections WHERE event_id = ${eid} AND confidence >= @minc))
     OR (${clip} IS NOT NULL AND EXISTS (SELECT 1 FROM detections WHERE clip_url = ${clip} AND confidence >= @minc))`;
  const rest = (eid: string, clip: string, from: number) => {
    const conds = q.tags.slice(from).map((_, i) => tagMatch(eid, clip, `@tag${from + i}`));
    if (q.tags.length === 0 && q.minConfidence !== undefined) conds.push(anyDetection(eid, clip));
    return conds.map((c) => ` AND (${c})`).join('');
  };
  const arms = q.tags.length > 0
    ? [
      `SELECT e.id AS eid, NULL AS clip, e.camera AS camera, e.start_ms AS t FROM event_labels l JOIN events e ON e.id = l.event_id
       WHERE @anyConf AND l.label = @tag0 AND l.start_ms >= @since AND l.start_ms < @until${camera('e.camera')}${rest('e.id', 'NULL', 1)}`,
      `SELECT e.id, NULL, e.camera, e.start_ms FROM detections d JOIN events e ON e.id = d.event_id
       WHERE d.label = @tag0 AND d.confidence >= @minc AND d.start_ms >= @sinceLead AND d.start_ms < @until
         AND e.start_ms >= @since AND e.start_ms < @until${camera('e.camera')}${rest('e.id', 'NULL', 1)}`,
      `SELECT NULL, d.clip_url, d.camera, d.start_ms FROM detections d
       WHERE d.event_id IS NULL AND d.label = @tag0 AND d.confidence >= @minc AND d.start_ms >= @since AND d.start_ms < @until
         ${camera('d.camera')}${rest('NULL', 'd.clip_url', 1)}`,
    ]
    : [
      `SELECT e.id AS eid, NULL AS clip, e.camera AS camera, e.start_ms AS t FROM events e
       WHERE e.start_ms >= @since AND e.start_ms < @until${camera('e.camera')}${rest('e.id', 'NULL', 0)}`,
      `SELECT NULL, u.url, u.camera, u.start_ms FROM uploads u
       WHERE u.event_id IS NULL AND u.kind = 'clip' AND u.start_ms >= @since AND u.start_ms < @until${camera('u.camera')}${rest('NULL', 'u.url', 0)}`,
    ];
  return `${arms.join('\nUNION\n')}\nORDER BY t DESC LIMIT @limit`;
}

function reference(db: Db, q: SearchQuery): (string | null)[] {
  const params = {
    since: q.sinceMs ?? Number.MIN_SAFE_INTEGER, sinceLead: q.sinceMs === undefined ? Number.MIN_SAFE_INTEGER : q.sinceMs - LEAD,
    until: q.untilMs ?? Number.MAX_SAFE_INTEGER, minc: q.minConfidence ?? 0, anyConf: q.minConfidence === undefined ? 1 : 0,
    cameras: JSON.stringify(q.cameras), limit: q.limit, ...Object.fromEntries(q.tags.map((t, i) => [`tag${i}`, t])),
  };
  const sql = referenceSql(q);
  const used = Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)));
  return (db.prepare(sql).all(used) as { eid: string | null; clip: string | null }[]).map((r) => r.eid ?? r.clip);
}

const T0 = Date.UTC(2024, 4, 1);
const M = 60_000;

/** Events on few distinct starts (many ties), ids of mixed case and beyond ASCII, 0-2 clips each, plain clips. */
function catalog(): Db {
  const db = openDb(mkdtempSync(path.join(os.tmpdir(), 'cctv-newest-')));
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const cameras = ['front', 'back', 'Side', 'garage'];
  const ev = db.prepare(`INSERT INTO events (id, camera, state, start_ms, end_ms, labels, source, updated_ms) VALUES (?, ?, 'end', ?, ?, ?, 'onvif', 0)`);
  const up = db.prepare(`INSERT INTO uploads (key, url, kind, event_id, camera, start_ms, end_ms, bytes, sha256, poster, manifest, partial, uploaded_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'x', NULL, NULL, 0, 0)`);
  const det = db.prepare('INSERT INTO detections (clip_url, event_id, camera, label, confidence, at_ms, start_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const detect = (url: string, eventId: string | null, camera: string, start: number) => {
    for (const label of ['person', 'car', 'dog']) if (rnd() < 0.4) det.run(url, eventId, camera, label, Math.round(rnd() * 100) / 100, start, start);
  };
  db.transaction(() => {
    for (let i = 0; i < 600; i++) {
      const id = `${pick(['E', 'e', 'é', 'ev', '\u{1F600}', '\uFB01'])}${Math.floor(rnd() * 1000)}-${i}`;
      const camera = pick(cameras);
      const t = T0 + Math.floor(rnd() * 80) * 20 * M; // 80 distinct starts over ~26 h
      ev.run(id, camera, t, t + M, JSON.stringify(['motion', 'person', 'car'].filter(() => rnd() < 0.4)));
      const clips = rnd() < 0.6 ? (rnd() < 0.3 ? 2 : 1) : 0;
      for (let c = 0; c < clips; c++) {
        // Clips start up to the lead before the event, or (later stored segments of a long event) after it.
        const start = c === 0 ? t - Math.floor(rnd() * LEAD) : t + Math.floor(rnd() * 3 * 3_600_000);
        const url = `s3://b/${id}-${c}.mp4`;
        up.run(`k/${id}-${c}`, url, c === 0 ? 'clip' : 'segment', id, camera, start, start + M);
        detect(url, id, camera, start);
      }
      if (rnd() < 0.15) {
        const url = `s3://b/plain-${pick(['a', 'B', 'ü'])}${i}.mp4`;
        const at = rnd() < 0.5 ? t : T0 + Math.floor(rnd() * 80 * 20) * M;
        up.run(`k/plain${i}`, url, 'clip', null, camera, at, at + M);
        detect(url, null, camera, at);
      }
    }
  })();
  return db;
}

describe('search: newest first with a limit equals the full UNION … ORDER BY … LIMIT', () => {
  let db: Db;
  beforeAll(() => {
    db = catalog();
  });

  const tagSets = [[], ['person'], ['car'], ['dog'], ['person', 'car'], ['motion', 'person'], ['unicorn']];
  const cameraSets = [[], ['Side'], ['front', 'back'], ['front', 'front']];
  const confidences = [undefined, 0, 0.6];
  const ranges: [number | undefined, number | undefined][] = [[undefined, undefined], [T0 + 5 * 3_600_000, undefined], [undefined, T0 + 20 * 3_600_000], [T0 + 3_600_000, T0 + 9 * 3_600_000]];
  for (const tags of tagSets) {
    it(`tags ${JSON.stringify(tags)}: every camera filter, confidence, range and limit`, () => {
      let compared = 0;
      for (const cameras of cameraSets) {
        for (const minConfidence of confidences) {
          for (const [sinceMs, untilMs] of ranges) {
            for (const limit of [1, 2, 7, 40, 10_000]) {
              const q: SearchQuery = { tags, cameras, limit, ...(minConfidence === undefined ? {} : { minConfidence }), ...(sinceMs === undefined ? {} : { sinceMs }), ...(untilMs === undefined ? {} : { untilMs }) };
              const want = reference(db, q);
              expect(search(db, q).map((m) => m.eventId ?? m.clip), JSON.stringify(q)).toEqual(want);
              compared += want.length;
            }
          }
        }
      }
      if (tags[0] !== 'unicorn') expect(compared).toBeGreaterThan(100);
    });
  }

  it('each arm walks its index newest first: no sort of all matches', () => {
    const shapes: Pick<SearchQuery, 'tags' | 'cameras' | 'minConfidence'>[] = [
      { tags: [], cameras: [] }, { tags: [], cameras: ['front'] }, { tags: [], cameras: ['front', 'back'] }, { tags: [], cameras: [], minConfidence: 0.5 },
      { tags: ['person'], cameras: [] }, { tags: ['person'], cameras: ['front'] }, { tags: ['person', 'car'], cameras: [], minConfidence: 0.5 },
    ];
    for (const shape of shapes) {
      for (const { arm, steps: plan } of explainSearch(db, shape)) {
        if (arm === 'plain-clip-detections') expect(plan.join('\n')).toContain('detections_plain_label_start');
        expect(plan.filter((d) => /TEMP B-TREE|^SCAN (events|detections|uploads|event_labels)\b/.test(d) && !/USING (COVERING )?INDEX/.test(d)), `${JSON.stringify(shape)}\n${arm}\n${plan.join('\n')}`).toEqual([]);
      }
    }
  });
});
