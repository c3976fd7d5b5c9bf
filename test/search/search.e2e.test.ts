import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { recordEvent } from '../../src/lib/catalog/events.js';
import { runCctv, tempProject } from '../helpers/cli.js';

describe('cctv search (the real binary)', () => {
  it('bad arguments exit 2 naming the flag and the accepted forms', async () => {
    const { dir } = tempProject({ dataDir: './data' });
    for (const [args, message] of [
      [['--since', 'yesterday'], /--since "yesterday": use a duration ago \(30s, 15m, 24h or 7d\) or an ISO 8601 time/],
      [['--min-confidence', '80'], /--min-confidence "80": use a number from 0 to 1/],
      [['--limit', 'all'], /--limit "all": use a whole number/],
    ] as const) {
      const r = await runCctv(['search', ...args], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  }, 30_000);

  it('piped: one `match` record per line, newest first', async () => {
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:9/x' } } });
    const db = openDb(path.join(dir, 'data'));
    const now = Date.now();
    for (const [id, ago, labels] of [['old', 3 * 86_400_000, ['person']], ['a', 3_600_000, ['person']], ['b', 60_000, ['motion']], ['c', 30_000, ['person']]] as const) {
      const t = new Date(now - ago).toISOString();
      recordEvent(db, { v: 1, kind: 'event', id, camera: 'front', state: 'end', at: t, start: t, end: t, labels: [...labels], source: 'onvif' });
    }
    db.close();
    const r = await runCctv(['search', '--tag', 'person', '--since', '24h'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.records().map((m) => m.eventId)).toEqual(['c', 'a']);
    expect(r.records()[0]).toEqual({
      v: 1, kind: 'match', eventId: 'c', camera: 'front', start: expect.any(String), end: expect.any(String),
      labels: [{ name: 'person', confidence: null, source: 'camera' }], url: null, poster: null,
    });
  }, 30_000);
});
