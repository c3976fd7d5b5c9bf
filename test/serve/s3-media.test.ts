import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lib/catalog/db.js';
import { configSchema } from '../../src/lib/config/schema.js';
import { sqliteEventCatalog } from '../../src/lib/catalog/sqlite-event-catalog.js';
import { createApp, type App } from '../../src/lib/serve/app.js';
import { S3Storage } from '../../src/lib/storage/index.js';
import { saveUpload } from '../../src/lib/catalog/uploads.js';
import { fixS3rverClient, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

// Clips in S3 are not proxied: the app answers with a short-lived presigned redirect, and "Download" must save the file.
describe('serve with S3 storage (real S3-protocol server)', () => {
  let s3: S3TestServer;
  let db: Db;
  let app: App;
  let dataDir: string;
  const key = 'clips/front/2024/05/01/front-20240501T120000Z-abcdef.mp4';

  beforeAll(async () => {
    s3 = await startS3Server('serve-media');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cctv-serve-s3-'));
    db = openDb(dataDir);
    const storage = new S3Storage(`s3://${s3.bucket}/nvr`, {
      region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, checksums: 'when_required', configureClient: fixS3rverClient,
    });
    const put = await storage.put(key, { body: Buffer.from('not really an mp4') }, { contentType: 'video/mp4' });
    const start = Date.parse('2024-05-01T12:00:00Z');
    saveUpload(db, {
      key, url: put.url, kind: 'clip', eventId: 'front-20240501T120000Z-abcdef', camera: 'front', startMs: start, endMs: start + 9000,
      bytes: put.bytes, sha256: put.sha256, poster: null, manifest: null, partial: false,
    });
    const config = configSchema.parse({ dataDir, cameras: { front: { url: 'rtsp://127.0.0.1:1/x' } } });
    app = createApp({ catalog: sqliteEventCatalog(db), config, storage });
  });
  afterAll(async () => {
    db?.close();
    await s3?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (p: string) => app.handle(new Request(`http://127.0.0.1:8080${p}`, { headers: { host: '127.0.0.1:8080' } }));

  it('redirects a clip to a presigned URL that plays, and a download to one that saves it', async () => {
    const play = await get(`/media/clip/${key}`);
    expect(play.status).toBe(302);
    const playing = await fetch(play.headers.get('location')!);
    expect(playing.status).toBe(200);
    expect(playing.headers.get('content-disposition')).toBeNull();

    const download = await get(`/media/clip/${key}?download=1`);
    expect(download.status).toBe(302);
    const saved = await fetch(download.headers.get('location')!);
    expect(saved.status).toBe(200);
    expect(saved.headers.get('content-disposition')).toMatch(/^attachment; filename="front-2024-05-01T12-00-00-000Z\.mp4"$/);
    expect(await saved.text()).toBe('not really an mp4');
  });
});
