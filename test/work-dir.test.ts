import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartMs } from '../src/lib/work-dir.js';
import { runCctv, tempProject } from './helpers/cli.js';
import { makeTestPattern } from './helpers/footage.js';

const sleepers: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const p of sleepers.splice(0)) p.kill('SIGKILL');
});

describe('work folders under <dataDir>/tmp left by kill -9', () => {
  it('the next command that needs one removes those of processes that are gone (or whose pid was reused), never a live one\'s', async () => {
    const { dir } = tempProject({ dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:1/x' } } });
    const tmp = path.join(dir, 'data', 'tmp');
    mkdirSync(tmp, { recursive: true });
    const hourAgo = new Date(Date.now() - 3600_000);
    const folder = (name: string, at: Date) => {
      mkdirSync(path.join(tmp, name));
      writeFileSync(path.join(tmp, name, 'clip.mp4'), Buffer.alloc(1 << 20));
      utimesSync(path.join(tmp, name), at, at);
      return name;
    };
    // A live process (started now) stands for an owner that still runs, and for a reused pid.
    const live = spawn('sleep', ['60']);
    sleepers.push(live);
    await new Promise((r) => setTimeout(r, 300));
    const liveStart = processStartMs(live.pid!)!;
    expect(Math.abs(liveStart - Date.now())).toBeLessThan(5000);
    const dead = folder('upload-4194000-aaaaaa', hourAgo); // beyond pid_max's default: nobody
    const reused = folder(`analyze-${live.pid}-bbbbbb`, hourAgo); // made an hour before that pid's process started
    const owned = folder(`upload-${live.pid}-cccccc`, new Date(liveStart + 3000)); // made by it: still in use
    const foreign = folder('not-ours', hourAgo); // no pid in the name: gone with its owner's pid unknown

    const clip = await makeTestPattern(dir, 2);
    const r = await runCctv(['upload', '--camera', 'front', clip], { cwd: dir, input: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.records().some((x) => x.kind === 'uploaded')).toBe(true);
    expect(r.stderr).toMatch(/removed work folders left by processes that are gone/);
    const left = readdirSync(tmp);
    expect(left).toContain(owned);
    for (const gone of [dead, reused, foreign]) expect(left).not.toContain(gone);
    // The upload's own folder is gone too (it removed it when done).
    expect(left).toEqual([owned]);
    expect(existsSync(path.join(tmp, owned, 'clip.mp4'))).toBe(true);
  }, 60_000);
});
