import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCctv } from '../helpers/cli.js';
import { makeServeFixture, T0, type ServeFixture } from '../serve/fixture.js';

/** `cctv export` through the real binary, over real recordings (the web app's fixture: front 12:00:00–30, gap, 40–50). */
let f: ServeFixture;
beforeAll(async () => {
  f = await makeServeFixture();
  f.db.close();
  writeFileSync(path.join(f.dataDir, 'cctv.config.yaml'), stringify({
    dataDir: f.dataDir,
    cameras: { front: { url: 'rtsp://192.0.2.10/stream' }, back: { url: 'rtsp://192.0.2.11/stream' } },
    storage: { url: `file://${path.join(f.dataDir, 'archive')}` },
  }));
}, 120_000);
afterAll(() => {
  if (f) rmSync(f.dataDir, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();

describe('cctv export', () => {
  it('writes one MP4 per camera with recordings, manifest.json and SHA256SUMS that sha256sum -c verifies; stdout has the sums', async () => {
    const out = path.join(f.dataDir, 'evidence');
    const r = await runCctv(['export', '--camera', 'front', '--camera', 'back', '--from', iso(T0 + 20_000), '--to', iso(T0 + 45_000), '--out', out], { cwd: f.dataDir });
    expect(r.code, r.stderr).toBe(0);
    // back recorded nothing in the range: said so, no file.
    expect(r.stderr).toMatch(/nothing recorded in the range/);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toMatch(/front-2024-05-01T120020Z\.mp4: OK\nmanifest\.json: OK/);
    expect(r.stdout).toMatch(/^[0-9a-f]{64} {2}\S*front-2024-05-01T120020Z\.mp4$/m);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { files: { file: string; gaps: unknown[] }[]; empty: string[] };
    expect(manifest.files.map((x) => x.file)).toEqual(['front-2024-05-01T120020Z.mp4']);
    expect(manifest.files[0]!.gaps).toHaveLength(1);
    expect(manifest.empty).toEqual(['back']);
    // 20–30 and 40–45 recorded: ~15 s of video, copied (keyframe-aligned, so within a GOP of it).
    const seconds = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path.join(out, 'front-2024-05-01T120020Z.mp4')], { encoding: 'utf8' }));
    expect(seconds).toBeGreaterThan(12);
    expect(seconds).toBeLessThan(20);
    // Never overwrites evidence.
    const again = await runCctv(['export', '--camera', 'front', '--from', iso(T0 + 20_000), '--to', iso(T0 + 45_000), '--out', out], { cwd: f.dataDir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists already; choose an empty folder/);
  }, 60_000);

  it.each([
    [['--from', iso(T0), '--to', iso(T0 + 1000), '--out', 'x'], /--camera: name at least one camera \(front, back\)/],
    [['--camera', 'side', '--from', iso(T0), '--to', iso(T0 + 1000), '--out', 'x'], /--camera "side": not a configured camera/],
    [['--camera', 'front', '--from', 'yesterday-ish', '--to', iso(T0 + 1000), '--out', 'x'], /--from "yesterday-ish": use/],
    [['--camera', 'front', '--from', iso(T0 + 1000), '--to', iso(T0), '--out', 'x'], /is not before --to/],
    [['--camera', 'front', '--from', iso(T0), '--to', iso(T0 + 1000)], /--out: the folder/],
  ])('bad flags exit 2 with the fix: %j', async (args, message) => {
    const r = await runCctv(['export', ...args], { cwd: f.dataDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a range with nothing recorded on any camera fails (exit 1), writing nothing', async () => {
    const out = path.join(f.dataDir, 'empty-range');
    const r = await runCctv(['export', '--camera', 'front', '--from', iso(T0 + 31_000), '--to', iso(T0 + 39_000), '--out', out], { cwd: f.dataDir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nothing recorded on front in the range/);
    expect(() => readFileSync(path.join(out, 'SHA256SUMS'))).toThrow();
  });
});
