import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { processesMatching, spawnCctv, type Running } from '../helpers/cli.js';
import { waitFor } from '../helpers/ports.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cctv-demo-'));
let demo: Running | undefined;
afterAll(() => {
  if (demo && demo.proc.exitCode === null) demo.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('cctv demo', () => {
  it('records simulated cameras, finds motion, stores clips, detects the pedestrians, serves them; stops cleanly on Ctrl-C', async () => {
    demo = spawnCctv(['demo', '--port', '0', '--segment-seconds', '10', '--data-dir', 'data'], { cwd: dir });
    const url = await waitFor('the demo URL', () => /cctv demo: open (http:\/\/127\.0\.0\.1:\d+)/.exec(demo!.stderr())?.[1], 120_000, 250);

    const person = await waitFor('an event with a person', async () => {
      const { events } = (await (await fetch(`${url}/api/events?label=person`)).json()) as { events: any[] };
      return events.find((e) => e.poster && e.clip);
    }, 150_000, 1000);
    expect(person.camera).toBe('walkway');
    const best = person.labels.find((l: any) => l.name === 'person');
    expect(best.source).toBe('detector');
    expect(best.confidence).toBeGreaterThanOrEqual(0.6);
    const clip = await fetch(`${url}${person.clip}`, { headers: { range: 'bytes=0-1023' } });
    expect(clip.status).toBe(206);
    expect(clip.headers.get('content-type')).toBe('video/mp4');
    expect((await fetch(`${url}${person.poster}`)).headers.get('content-type')).toBe('image/jpeg');

    const { cameras } = (await (await fetch(`${url}/api/cameras`)).json()) as { cameras: any[] };
    expect(cameras.map((c) => [c.name, c.recording])).toEqual([['walkway', true], ['yard', true]]);
    const live = await fetch(`${url}/media/latest/walkway.jpg`);
    expect(live.headers.get('content-type')).toBe('image/jpeg');

    demo.proc.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(processesMatching(path.join(dir, 'data'))).toEqual([]);
    expect(processesMatching('demo-walkway.mp4')).toEqual([]);
    const db = new Database(path.join(dir, 'data', 'catalog.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM segments WHERE closed = 0').get() as { n: number }).n).toBe(0);
    expect((db.prepare("SELECT COUNT(*) AS n FROM detections WHERE label = 'person'").get() as { n: number }).n).toBeGreaterThan(0);
    db.close();
  }, 300_000);
});
