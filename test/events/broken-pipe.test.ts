import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCctv, tempProject } from '../helpers/cli.js';

/**
 * Issue 11, item 2: a stage whose stdout closes stops (as a Unix tool on SIGPIPE), and nothing is marked delivered
 * before its write succeeded. Through the real binary and the real catalog: the reader of watch-events is gone
 * before the drop-folder clips are reported, so watch-events exits 141 and the next run reports both clips again.
 */
describe('closed pipe', () => {
  it('watch-events stops with exit 141 when its reader is gone; the clips it could not deliver are reported by the next run', async () => {
    const { dir, configPath } = tempProject({});
    const drop = path.join(dir, 'drop');
    mkdirSync(drop);
    writeFileSync(configPath, JSON.stringify({ dataDir: path.join(dir, 'data'), cameras: { side: { url: 'rtsp://127.0.0.1:1/side', dropDir: drop } } }));
    writeFileSync(path.join(drop, 'a.mp4'), 'clip a');
    writeFileSync(path.join(drop, 'b.mp4'), 'clip b');

    const first = spawnCctv(['--config', configPath, 'watch-events'], { cwd: dir });
    first.proc.stdout!.destroy(); // `cctv watch-events | head -0`: nobody reads
    const killer = setTimeout(() => first.proc.kill('SIGKILL'), 60_000);
    const code = await first.exited;
    clearTimeout(killer);
    expect(code, first.stderr()).toBe(141);
    expect(first.stderr()).toContain('stdout closed');
    expect(first.stderr()).not.toMatch(/unhandled|UnhandledPromiseRejection/i);

    const second = spawnCctv(['--config', configPath, 'watch-events'], { cwd: dir });
    try {
      const until = Date.now() + 60_000;
      while (second.records().filter((r) => r.kind === 'clip').length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(second.records().filter((r) => r.kind === 'clip').map((r) => path.basename(r.path as string)).sort(), second.stderr()).toEqual(['a.mp4', 'b.mp4']);
    } finally {
      second.proc.kill('SIGINT');
      expect(await second.exited).toBe(0);
    }
  }, 150_000);
});
