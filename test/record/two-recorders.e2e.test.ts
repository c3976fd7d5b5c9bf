import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../helpers/cli.js';
import { waitFor } from '../helpers/ports.js';
import { catalogRows, killedAfterEach, stop } from '../helpers/record.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

const spawnCctv = killedAfterEach();

describe('one `cctv record` per camera (two real binaries)', () => {
  let cam: TestCamera;
  beforeAll(async () => {
    cam = await TestCamera.start();
  });
  afterAll(async () => {
    await cam?.stop();
  });

  it('a second recorder of the same camera is refused, naming the first; other cameras may be recorded; kill -9 frees the camera', async () => {
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url: cam.url }, back: { url: cam.url } }, record: { segmentSeconds: 3600 } }); // no clock boundary closes the first one's segment meanwhile
    const dataDir = path.join(dir, 'data');
    const first = spawnCctv(['record', '--camera', 'front'], { cwd: dir });
    const open = await waitFor('front recording', () => (existsSync(path.join(dataDir, 'catalog.db')) ? catalogRows(dataDir, 'front').segments.find((s) => s.closed === 0) : undefined), 30_000, 100);

    // All cameras (front included): refused as a whole, before touching anything.
    const second = spawnCctv(['record'], { cwd: dir });
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(new RegExp(`camera front is already being recorded .* by another cctv record \\(pid ${first.proc.pid} on `));
    expect(second.stdout()).toBe('');
    expect(catalogRows(dataDir, 'back').segments).toEqual([]);
    // The first one's open segment is untouched (not closed by a "recovery") and still growing.
    const now = catalogRows(dataDir, 'front').segments.find((s) => s.path === open.path)!;
    expect(now.closed).toBe(0);
    await waitFor('the first recorder to go on', () => catalogRows(dataDir, 'front').segments.find((s) => s.path === open.path)!.end_ms > now.end_ms, 10_000, 100);

    // Another camera of the same data folder is fine.
    const back = spawnCctv(['record', '--camera', 'back'], { cwd: dir });
    await waitFor('back recording', () => catalogRows(dataDir, 'back').segments.length > 0, 30_000, 100);
    expect(await stop(back)).toBe(0);

    // kill -9: the kernel drops the lock with the process; the next recorder starts (whatever became of the pid).
    first.proc.kill('SIGKILL');
    await first.exited;
    const again = spawnCctv(['record', '--camera', 'front'], { cwd: dir });
    await waitFor('front recorded again', () => catalogRows(dataDir, 'front').segments.some((s) => s.closed === 0 && s.path !== open.path) || /recording/.test(again.stderr()), 30_000, 100);
    expect(again.stderr()).not.toMatch(/already being recorded/);
    expect(await stop(again)).toBe(0);
    expect(catalogRows(dataDir, 'front').segments.find((s) => s.path === open.path)!.closed).toBe(1);
  }, 90_000);
});
