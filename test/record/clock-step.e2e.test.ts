import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../helpers/cli.js';
import { decode } from '../helpers/media.js';
import { waitFor } from '../helpers/ports.js';
import { catalogRows, killedAfterEach, stop } from '../helpers/record.js';
import { TestCamera } from '../helpers/rtsp-camera.js';

const spawnCctv = killedAfterEach();

/** libfaketime (installed by scripts/bootstrap.sh): the wall clock of cctv and its ffmpeg, read from `file` each second. */
function steppableClock(file: string): NodeJS.ProcessEnv {
  const lib = ['/usr/lib/x86_64-linux-gnu/faketime', '/usr/lib/aarch64-linux-gnu/faketime', '/usr/lib/faketime', '/usr/local/lib/faketime']
    .map((d) => path.join(d, 'libfaketime.so.1'))
    .find((f) => existsSync(f));
  if (!lib) throw new Error('libfaketime.so.1 not found: run scripts/bootstrap.sh (apt package faketime)');
  writeFileSync(file, '+0\n');
  return { LD_PRELOAD: lib, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

describe('cctv record when the clock steps back (real binary, real ffmpeg, libfaketime)', () => {
  let cam: TestCamera;
  beforeAll(async () => {
    cam = await TestCamera.start();
  });
  afterAll(async () => {
    await cam?.stop();
  });

  it('a repeated time name never overwrites a closed segment: the second file of that name gets -1', async () => {
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url: cam.url } }, record: { segmentSeconds: 10 } });
    const dataDir = path.join(dir, 'data');
    const clock = path.join(dir, 'clock');
    const rec = spawnCctv(['record'], { cwd: dir, env: steppableClock(clock) });
    // The second segment opens on a clock boundary (…0 s); 2 s into it, NTP steps the clock back one segment length,
    // so the next boundary comes at the same clock time and the same name (ffmpeg itself would truncate it).
    const second = await waitFor('a second segment', () => (existsSync(path.join(dataDir, 'catalog.db')) ? catalogRows(dataDir, 'front').segments[1] : undefined), 40_000, 100);
    await new Promise((r) => setTimeout(r, 2000));
    writeFileSync(clock, '-10\n');
    const repeat = second.path.replace(/\.mkv$/, '-1.mkv');
    await waitFor(repeat, () => catalogRows(dataDir, 'front').segments.some((s) => s.path === repeat), 40_000, 100);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await stop(rec)).toBe(0);

    const { segments } = catalogRows(dataDir, 'front');
    expect(new Set(segments.map((s) => s.path)).size).toBe(segments.length);
    for (const s of segments) {
      const file = path.join(dataDir, s.path);
      expect(s.closed).toBe(1);
      expect(statSync(file).size).toBe(s.bytes); // what was catalogued is what is on disk: nothing truncated
    }
    // The segment whose name came round again is whole: ~10 s of decodable video.
    const first = segments.find((s) => s.path === second.path)!;
    expect(decode(path.join(dataDir, first.path)).frames).toBeGreaterThanOrEqual(9 * 25);
    expect(decode(path.join(dataDir, repeat)).frames).toBeGreaterThan(0);
    // ffmpeg's numbered run folder is gone with the run.
    expect(readdirSync(path.join(dataDir, 'recordings', 'front')).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 90_000);
});
