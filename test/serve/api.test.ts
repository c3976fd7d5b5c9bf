import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { createApp, type App } from '../../src/lib/serve/app.js';
import { parseRange } from '../../src/lib/serve/media.js';
import { snapshotKey } from '../../src/lib/clips/window.js';
import { DAY, makeServeFixture, T0, type ServeFixture } from './fixture.js';

let f: ServeFixture;
let app: App;
const get = (p: string, headers: Record<string, string> = {}, method = 'GET') =>
  app.handle(new Request(`http://127.0.0.1:8080${p}`, { method, headers: { host: '127.0.0.1:8080', ...headers } }));
const getJson = async <T = any>(p: string): Promise<T> => {
  const res = await get(p);
  expect(res.status, `${p}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
};

beforeAll(async () => {
  f = await makeServeFixture();
  app = createApp({ catalog: sqliteEventCatalog(f.db), config: f.config, storage: f.storage });
}, 120_000);
afterAll(() => {
  f?.db.close();
  if (f) rmSync(f.dataDir, { recursive: true, force: true });
});

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', 1000, { start: 0, end: 99 }],
    ['bytes=900-', 1000, { start: 900, end: 999 }],
    ['bytes=990-2000', 1000, { start: 990, end: 999 }],
    ['bytes=-100', 1000, { start: 900, end: 999 }],
    ['bytes=-5000', 1000, { start: 0, end: 999 }],
    ['bytes=1000-', 1000, 'unsatisfiable'],
    ['bytes=-0', 1000, 'unsatisfiable'],
    ['bytes=5-1', 1000, undefined],
    ['bytes=0-1,5-9', 1000, undefined],
    ['items=0-1', 1000, undefined],
    [null, 1000, undefined],
  ] as const)('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('/api/events', () => {
  it('lists events and plain clips newest first, with clip, poster, duration and labels with confidence', async () => {
    const { events } = await getJson<{ events: any[] }>('/api/events');
    expect(events.map((e) => e.id)).toEqual([null, f.events.motion, f.events.person]);
    const person = events[2];
    expect(person).toMatchObject({
      camera: 'front', start: new Date(T0 + 5000).toISOString(), end: new Date(T0 + 9000).toISOString(), durationSeconds: 4,
    });
    expect(person.labels).toEqual([
      { name: 'person', confidence: 0.91, source: 'detector' },
      { name: 'dog', confidence: 0.64, source: 'detector' },
      { name: 'motion', confidence: null, source: 'camera' },
    ]);
    expect(person.clip).toMatch(/^\/media\/clip\/clips\/front\/2024\/05\/01\/front-person-1\.mp4$/);
    expect(person.poster).toMatch(/^\/media\/poster\//);
    expect(events[0]).toMatchObject({ camera: 'back', labels: [] });
    expect(events[0].clip).toMatch(/^\/media\/clip\/clips\/back\//);
  });

  it('filters by label, camera and time', async () => {
    const ids = async (q: string) => (await getJson<{ events: any[] }>(`/api/events?${q}`)).events.map((e) => e.id);
    expect(await ids('label=person')).toEqual([f.events.person]);
    expect(await ids('label=person&label=dog')).toEqual([f.events.person]);
    expect(await ids('label=person&label=car')).toEqual([]);
    expect(await ids('label=motion')).toEqual([f.events.motion, f.events.person]);
    expect(await ids('camera=back')).toEqual([null]);
    expect(await ids('camera=front&camera=back')).toHaveLength(3);
    expect(await ids(`since=${new Date(T0 + 20_000).toISOString()}&camera=front`)).toEqual([f.events.motion]);
    expect(await ids(`until=${new Date(T0 + 20_000).toISOString()}`)).toEqual([f.events.person]);
    expect(await ids(`since=${DAY}&until=2024-05-02`)).toHaveLength(3);
    expect(await ids('since=2024-05-02')).toEqual([]);
  });

  it('pages with a cursor, each item once', async () => {
    const seen: (string | null)[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const page: { events: any[]; next: string | null } = await getJson(`/api/events?limit=1${next ? `&before=${encodeURIComponent(next)}` : ''}`);
      seen.push(...page.events.map((e) => e.id));
      next = page.next;
      pages++;
    } while (next && pages < 10);
    expect(seen).toEqual([null, f.events.motion, f.events.person]);
  });

  it('rejects bad parameters with 400', async () => {
    for (const q of ['limit=0', 'limit=abc', 'since=yesterday-ish', 'before=garbage']) {
      const res = await get(`/api/events?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBeTruthy();
    }
  });
});

describe('media of stored clips', () => {
  const clipPath = async () => (await getJson<{ events: any[] }>('/api/events?label=person')).events[0];
  const fileOf = (url: string) => fileURLToPath(url);

  it('serves the whole clip, exactly the stored bytes', async () => {
    const e = await clipPath();
    const res = await get(e.clip);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const stored = readFileSync(fileOf(f.uploaded.find((u) => u.eventId === f.events.person)!.url));
    expect(Buffer.from(await res.arrayBuffer()).equals(stored)).toBe(true);
  });

  it('answers range requests (206, Content-Range), HEAD, and 416 past the end', async () => {
    const e = await clipPath();
    const stored = readFileSync(fileOf(f.uploaded.find((u) => u.eventId === f.events.person)!.url));
    const part = await get(e.clip, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${stored.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(stored.subarray(100, 200))).toBe(true);
    const tail = await get(e.clip, { range: 'bytes=-10' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(stored.subarray(stored.length - 10))).toBe(true);
    const head = await get(e.clip, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(stored.length));
    expect(head.body).toBeNull();
    expect((await get(e.clip, { range: `bytes=${stored.length}-` })).status).toBe(416);
  });

  it('offers the clip as a download and serves the poster JPEG', async () => {
    const e = await clipPath();
    const dl = await get(`${e.clip}?download=1`);
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="front-2024-05-01T12-00-03-000Z\.mp4"$/);
    const poster = await get(e.poster);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await poster.arrayBuffer()).subarray(0, 2).toString('hex')).toBe('ffd8');
  });

  it('404s for keys the catalog does not have', async () => {
    expect((await get('/media/clip/clips/front/2024/05/01/nope.mp4')).status).toBe(404);
    expect((await get('/media/poster/nope')).status).toBe(404);
  });
});

describe('/api/timeline and continuous recordings', () => {
  it('shows recorded runs, the gap and the events of a day', async () => {
    const t = await getJson<any>(`/api/timeline?camera=front&day=${DAY}`);
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    expect(t.recorded).toEqual([{ start: at(0), end: at(30) }, { start: at(40), end: at(50) }]);
    expect(t.gaps).toEqual([{ start: at(30), end: at(40), reason: 'camera unreachable' }]);
    expect(t.events.map((e: any) => e.id)).toEqual([f.events.person, f.events.motion]);
    expect((await get('/api/timeline?camera=nope&day=2024-05-01')).status).toBe(404);
    expect((await get('/api/timeline?camera=front&day=May')).status).toBe(400);
  });

  it('remuxes the covering segments from a moment into fragmented MP4 (video copied, G.711 to AAC)', async () => {
    const res = await get(`/media/recording/front.mp4?at=${new Date(T0 + 15_000).toISOString()}&seconds=12`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    const out = path.join(f.dataDir, 'remux.mp4');
    writeFileSync(out, Buffer.from(await res.arrayBuffer()));
    const info = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', out], { encoding: 'utf8' }));
    expect(info.streams.map((s: any) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    // From the keyframe at or before 12:00:15 (every 2 s) for 12 s, across two segments.
    expect(Number(info.format.duration)).toBeGreaterThan(11);
    expect(Number(info.format.duration)).toBeLessThan(14.5);
    expect(readFileSync(out).includes(Buffer.from('moof'))).toBe(true);
  });

  it('404s for a moment nothing was recorded (the gap)', async () => {
    expect((await get(`/media/recording/front.mp4?at=${new Date(T0 + 33_000).toISOString()}`)).status).toBe(404);
    expect((await get('/media/recording/front.mp4')).status).toBe(400);
  });
});

describe('/api/cameras and the latest frame', () => {
  it('reports each camera health without its URL', async () => {
    const res = await get('/api/cameras');
    const text = await res.text();
    expect(text).not.toContain('frontSecret99');
    expect(text).not.toContain('192.0.2.10');
    const { cameras } = JSON.parse(text);
    expect(cameras.map((c: any) => c.name)).toEqual(['front', 'back']);
    expect(cameras[0]).toMatchObject({
      recording: false,
      lastSegment: { start: new Date(T0 + 40_000).toISOString(), end: new Date(T0 + 50_000).toISOString(), closed: true },
      latest: '/media/latest/front.jpg',
    });
    expect(cameras[1]).toMatchObject({ recording: false, lastSegment: null });
  });

  it('serves the latest frame as a JPEG, 404 for a camera without recordings', async () => {
    const res = await get('/media/latest/front.jpg');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 2).toString('hex')).toBe('ffd8');
    expect((await get('/media/latest/back.jpg')).status).toBe(404);
  });
});

describe('/media/event: the links of live alerts', () => {
  const at = (s: number) => T0 + s * 1000;
  it('the clip link is the stored clip once there is one, until then the recording from the event start', async () => {
    const stored = await get(`/media/event/front/${f.events.person}?at=${at(5)}`);
    expect(stored.status).toBe(302);
    const key = f.uploaded.find((u) => u.eventId === f.events.person)!.url.split('/archive/')[1]!;
    expect(stored.headers.get('location')).toBe(`/media/clip/${key}`);
    const live = await get(`/media/event/front/front-live-9?at=${at(15)}`);
    expect(live.status).toBe(302);
    expect(live.headers.get('location')).toBe(`/media/recording/front.mp4?at=${at(15)}`);
    expect((await get(live.headers.get('location')!)).status).toBe(200);
    expect((await get('/media/event/front/front-live-9')).status).toBe(400);
    expect((await get(`/media/event/nope/front-live-9?at=${at(15)}`)).status).toBe(404);
  });

  it('the snapshot link serves the stored snapshot, 404 before there is one', async () => {
    const url = `/media/event/front/front-live-9/snapshot.jpg?at=${at(15)}`;
    expect((await get(url)).status).toBe(404);
    const jpeg = Buffer.from('ffd8ffe000104a464946', 'hex');
    await f.storage.put(snapshotKey('front', 'front-live-9', at(15)), { body: jpeg }, { contentType: 'image/jpeg', metadata: { camera: 'front' } });
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(jpeg)).toBe(true);
  });
});
