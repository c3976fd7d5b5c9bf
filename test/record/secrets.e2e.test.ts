import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCctv, tempProject } from '../helpers/cli.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { catalogRows, killedAfterEach, stop } from '../helpers/record.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

/**
 * A camera password as owners really set them (Hikvision/Dahua accept `Admin@123`), here with a quote and a
 * backslash too, never leaves cctv: not in logs, records, the catalog's gap reasons, the web API or doctor's report.
 */
const SECRET = 'S3cr"et\\Zq@Wx9';
/** Every piece of it that a half-done redaction would leave (the part after its `@`, the part before the quote, ...). */
const FRAGMENTS = ['S3cr', 'Zq@Wx9', 'Wx9', 'et\\Zq', 'et\\\\Zq', encodeURIComponent(SECRET)];
const expectNoSecret = (where: string, text: string) => {
  for (const f of FRAGMENTS) expect(text.includes(f), `${where} holds "${f}":\n${text.slice(0, 2000)}`).toBe(false);
};

const spawnCctv = killedAfterEach();

describe('a camera password with @, " and \\ (real binary, every output channel)', () => {
  let cam: TestCamera;
  beforeAll(async () => {
    cam = await TestCamera.start();
  });
  afterAll(async () => {
    await cam?.stop();
  });

  it('is masked in record\'s stderr and stdout, the gap reasons, the web API and doctor', async () => {
    const url = `rtsp://admin:${SECRET}@127.0.0.1:${cam.port}/cam`;
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url } }, record: { segmentSeconds: 10 } });
    const dataDir = path.join(dir, 'data');
    const rec = spawnCctv(['record', '--log-level', 'debug'], { cwd: dir });
    await waitFor('recording', () => existsSync(path.join(dataDir, 'catalog.db')) && catalogRows(dataDir, 'front').segments.length > 0, 30_000, 100);
    // The camera goes away and comes back: ffmpeg's errors (which quote the URL) become a gap's reason.
    await cam.down();
    await waitFor('ffmpeg to fail on the camera', () => /recording stopped/.test(rec.stderr()), 30_000, 100);
    await new Promise((r) => setTimeout(r, 1500));
    await cam.up();
    await waitFor('the gap', () => catalogRows(dataDir, 'front').gaps.length > 0, 60_000, 200);
    expect(await stop(rec)).toBe(0);
    expect(rec.stderr()).toMatch(/rtsp:\/\/admin:\*\*\*@127\.0\.0\.1/); // the URL is logged, masked
    expectNoSecret('record stderr', rec.stderr());
    expectNoSecret('record stdout', rec.stdout());
    const { gaps } = catalogRows(dataDir, 'front');
    expectNoSecret('gap reasons', JSON.stringify(gaps));
    // Nothing in the catalog at all.
    const db = new Database(path.join(dataDir, 'catalog.db'), { readonly: true });
    const dump = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[])
      .map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())).join('\n');
    db.close();
    expectNoSecret('catalog', dump);

    // The web app's answers.
    const port = await freePort();
    const serve = spawnCctv(['serve', '--port', String(port)], { cwd: dir });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('serve', () => fetch(`${base}/api/cameras`).then((r) => r.ok, () => false), 20_000, 200);
    const day = new Date().toISOString().slice(0, 10);
    for (const route of ['/api/cameras', `/api/timeline?camera=front&day=${day}`, '/api/events', '/']) {
      const res = await fetch(`${base}${route}`);
      expect(res.status, route).toBe(200);
      expectNoSecret(route, await res.text());
    }
    expect(await stop(serve)).toBe(0);
    expectNoSecret('serve stderr', serve.stderr());

    // doctor's report (it probes the camera and prints the resolved configuration).
    const doc = await runCctv(['doctor'], { cwd: dir });
    expect(doc.stdout).toMatch(/camera front/);
    expectNoSecret('doctor stdout', doc.stdout);
    expectNoSecret('doctor stderr', doc.stderr);
  }, 120_000);
});
