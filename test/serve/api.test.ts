import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
    // The codecs MSE needs, read from the stream's own init segment; media time 0 is the keyframe before 12:00:15.
    expect(res.headers.get('content-type')).toBe('video/mp4; codecs="avc1.42c00d, mp4a.40.2"');
    expect(res.headers.get('x-start')).toBe(new Date(T0 + 14_000).toISOString());
    expect(res.headers.get('x-end')).toBe(new Date(T0 + 27_000).toISOString());
    const out = path.join(f.dataDir, 'remux.mp4');
    writeFileSync(out, Buffer.from(await res.arrayBuffer()));
    const info = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', out], { encoding: 'utf8' }));
    expect(info.streams.map((s: any) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    // From the keyframe at 12:00:14 to 12:00:27, across two segments.
    expect(Number(info.format.duration)).toBeGreaterThan(12.5);
    expect(Number(info.format.duration)).toBeLessThan(13.5);
    expect(readFileSync(out).includes(Buffer.from('moof'))).toBe(true);
  });

  it('a run ends at the first gap (x-end), so the player places the next run after it', async () => {
    const res = await get(`/media/recording/front.mp4?at=${new Date(T0 + 25_000).toISOString()}&seconds=60`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-start')).toBe(new Date(T0 + 24_000).toISOString());
    expect(res.headers.get('x-end')).toBe(new Date(T0 + 30_000).toISOString());
    await res.body!.cancel();
  });

  it('timeline thumbnails: a small JPEG of the keyframe at or before the moment; 404 in the gap, 400 for a bad width', async () => {
    const res = await get(`/media/thumb/front.jpg?at=${T0 + 15_000}&w=120`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('max-age');
    const jpeg = Buffer.from(await res.arrayBuffer());
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(jpeg.length).toBeLessThan(20_000);
    const again = Buffer.from(await (await get(`/media/thumb/front.jpg?at=${T0 + 15_400}&w=120`)).arrayBuffer());
    expect(again.equals(jpeg)).toBe(true); // the same second: from the cache
    expect((await get(`/media/thumb/front.jpg?at=${T0 + 33_000}`)).status).toBe(404);
    expect((await get(`/media/thumb/front.jpg?at=${T0 + 15_000}&w=5000`)).status).toBe(400);
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

describe('/api/config: who asks and what this host can do', () => {
  it('without auth the principal is local (admin); every capability; cameras and their sub streams', async () => {
    expect(await getJson('/api/config')).toEqual({
      user: { name: 'local', role: 'admin' },
      capabilities: { live: true, timeline: true, export: true, review: true },
      cameras: [{ name: 'front', subStream: false }, { name: 'back', subStream: false }],
    });
  });

  it('names the installation\'s site when the config has one (the page shows it)', async () => {
    const sited = createApp({ catalog: sqliteEventCatalog(f.db), config: { ...f.config, site: 'home' }, storage: f.storage });
    const res = await sited.handle(new Request('http://127.0.0.1:8080/api/config', { headers: { host: '127.0.0.1:8080' } }));
    expect(((await res.json()) as { site?: string }).site).toBe('home');
    await sited.close();
  });

  it('a host without some capabilities says so and refuses those routes', async () => {
    const hosted = createApp({ catalog: sqliteEventCatalog(f.db), config: f.config, storage: f.storage, capabilities: { live: false, export: false } });
    const res = await hosted.handle(new Request('http://127.0.0.1:8080/api/config', { headers: { host: '127.0.0.1:8080' } }));
    expect(((await res.json()) as { capabilities: unknown }).capabilities).toEqual({ live: false, timeline: true, export: false, review: true });
    for (const p of ['/media/live/front.mp4', `/api/export?camera=front&from=${T0}&to=${T0 + 10_000}`]) {
      expect((await hosted.handle(new Request(`http://127.0.0.1:8080${p}`, { headers: { host: '127.0.0.1:8080' } }))).status, p).toBe(404);
    }
    await hosted.close();
  });
});

describe('review marks (POST /api/reviews) and the CSRF rule', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.handle(new Request('http://127.0.0.1:8080/api/reviews', {
      method: 'POST', body: JSON.stringify(body),
      headers: { host: '127.0.0.1:8080', 'content-type': 'application/json', origin: 'http://127.0.0.1:8080', ...headers },
    }));

  it('marks, lists with marks, filters unreviewed, unmarks', async () => {
    const res = await post({ items: [f.events.person], reviewed: true });
    expect(res.status).toBe(200);
    const all = (await getJson<{ events: any[] }>('/api/events')).events;
    expect(all.map((e) => [e.review, e.reviewed])).toEqual([[all[0].review, false], [f.events.motion, false], [f.events.person, true]]);
    expect(all[0].review).toMatch(/^clips\/back\//); // a plain clip is marked by its key
    expect((await getJson<{ events: any[] }>('/api/events?unreviewed=1')).events.map((e) => e.id)).toEqual([null, f.events.motion]);
    expect((await getJson<any>(`/api/timeline?camera=front&day=${DAY}`)).events.map((e: any) => e.reviewed)).toEqual([true, false]);
    expect((await post({ items: [f.events.person], reviewed: false })).status).toBe(200);
    expect((await getJson<{ events: any[] }>('/api/events?unreviewed=1')).events).toHaveLength(3);
  });

  it('refuses cross-site writes, non-JSON bodies, bad bodies and other methods', async () => {
    expect((await post({ items: ['x'], reviewed: true }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ items: ['x'], reviewed: true }, { origin: 'null' })).status).toBe(403);
    expect((await post({ items: ['x'], reviewed: true }, { origin: '', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ items: ['x'], reviewed: true }, { 'content-type': 'text/plain' })).status).toBe(415);
    const bad = await post({ items: [], reviewed: 'yes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^body: items/);
    expect((await get('/api/reviews')).status).toBe(405);
    expect((await get('/api/events', { origin: 'http://127.0.0.1:8080' }, 'POST')).status).toBe(405);
    expect((await get('/api/events', { origin: 'http://evil.example' }, 'DELETE')).status).toBe(403);
  });

  it('a script without Origin (curl: no Sec-Fetch-Site either) is refused unless it sends Origin (security.ts csrfRefusal)', async () => {
    const res = await app.handle(new Request('http://127.0.0.1:8080/api/reviews', {
      method: 'POST', body: JSON.stringify({ items: ['later-event'], reviewed: false }), headers: { host: '127.0.0.1:8080', 'content-type': 'application/json' },
    }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toMatch(/no Origin header/);
    expect((await post({ items: ['later-event'], reviewed: false })).status).toBe(200);
  });
});

describe('limits (serve.limits)', () => {
  it('a second remux beyond remuxes: 1 is a 429 naming the key; it is free again once the first stream ends', async () => {
    const limited = createApp({
      catalog: sqliteEventCatalog(f.db), storage: f.storage,
      config: { ...f.config, serve: { ...f.config.serve, limits: { ...f.config.serve.limits, remuxes: 1 } } },
    });
    const ask = () => limited.handle(new Request(`http://127.0.0.1:8080/media/recording/front.mp4?at=${T0 + 1000}&seconds=4`, { headers: { host: '127.0.0.1:8080' } }));
    const first = await ask();
    expect(first.status).toBe(200);
    const second = await ask();
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('5');
    expect(((await second.json()) as { error: string }).error).toMatch(/serve\.limits\.remuxes/);
    await first.body!.cancel();
    const third = await ask();
    expect(third.status).toBe(200);
    await third.arrayBuffer();
    expect((await ask()).status).toBe(200);
    await limited.close();
  });
});

describe('export from the web app', () => {
  it('/api/export: what the range holds per camera, with the gap', async () => {
    const plan = await getJson<any>(`/api/export?camera=front&camera=back&from=${new Date(T0 + 20_000).toISOString()}&to=${new Date(T0 + 45_000).toISOString()}`);
    expect(plan.cameras).toEqual([{
      camera: 'front', file: 'front-2024-05-01T120020Z.mp4', recordedSeconds: 15,
      gaps: [{ start: new Date(T0 + 30_000).toISOString(), end: new Date(T0 + 40_000).toISOString() }],
    }]);
    expect(plan.empty).toEqual(['back']);
    expect((await get(`/api/export?camera=front&from=${T0 + 31_000}&to=${T0 + 39_000}`)).status).toBe(404);
    expect((await get(`/api/export?camera=front&from=${T0}&to=${T0 + 25 * 3_600_000}`)).status).toBe(400);
    expect((await get(`/api/export?camera=nope&from=${T0}&to=${T0 + 1000}`)).status).toBe(404);
  });

  it('/media/export.zip: the MP4, manifest.json and SHA256SUMS that sha256sum -c verifies; the MP4 probes at the recorded length', async () => {
    const res = await get(`/media/export.zip?camera=front&from=${new Date(T0 + 20_000).toISOString()}&to=${new Date(T0 + 45_000).toISOString()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="cctv-export-2024-05-01T12-00-20-000Z\.zip"$/);
    const dir = path.join(f.dataDir, 'unzipped');
    writeFileSync(path.join(f.dataDir, 'export.zip'), Buffer.from(await res.arrayBuffer()));
    execFileSync('unzip', ['-q', '-o', path.join(f.dataDir, 'export.zip'), '-d', dir]);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toBe('front-2024-05-01T120020Z.mp4: OK\nmanifest.json: OK\n');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const mp4 = readFileSync(path.join(dir, 'front-2024-05-01T120020Z.mp4'));
    expect(manifest.files[0]).toMatchObject({ camera: 'front', bytes: mp4.length, sha256: createHash('sha256').update(mp4).digest('hex') });
    expect(manifest.files[0].gaps).toEqual([{ start: new Date(T0 + 30_000).toISOString(), end: new Date(T0 + 40_000).toISOString() }]);
    const info = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', path.join(dir, manifest.files[0].file)], { encoding: 'utf8' }));
    expect(info.streams.map((x: any) => x.codec_name).sort()).toEqual(['aac', 'h264']);
    // 12:00:20-30 and 12:00:40-45 (keyframes every 2 s: both pieces start on one), joined: 15 s.
    expect(Number(info.format.duration)).toBeGreaterThan(14.5);
    expect(Number(info.format.duration)).toBeLessThan(15.5);
  });
});

describe('installable: the web app manifest and its icons', () => {
  it('names a standalone app starting on Live, and every icon it names is served, of the type and size it says', async () => {
    const res = await get('/manifest.webmanifest');
    expect(res.headers.get('content-type')).toBe('application/manifest+json');
    const manifest = (await res.json()) as { display: string; start_url: string; name: string; icons: { src: string; sizes: string; type: string; purpose?: string }[] };
    expect(manifest).toMatchObject({ name: 'cctv', display: 'standalone', start_url: '/#/live' });
    expect(manifest.icons.filter((i) => i.type === 'image/png').map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
    for (const icon of [...manifest.icons, { src: '/apple-touch-icon.png', sizes: '180x180', type: 'image/png' }]) {
      const r = await get(icon.src);
      expect(r.status, icon.src).toBe(200);
      expect(r.headers.get('content-type'), icon.src).toBe(icon.type);
      if (icon.type !== 'image/png') continue;
      const png = Buffer.from(await r.arrayBuffer());
      // The PNG signature, then IHDR's width and height.
      expect(png.subarray(1, 4).toString('latin1'), icon.src).toBe('PNG');
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
    }
    const page = await (await get('/')).text();
    expect(page).toContain('<link rel="manifest" href="/manifest.webmanifest"');
    expect(page).toContain('<link rel="apple-touch-icon" href="/apple-touch-icon.png">');
  });
});
