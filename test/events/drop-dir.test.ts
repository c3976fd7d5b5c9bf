import { mkdtemp, open, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { seenDropFiles } from '../../src/lib/catalog/drop-files.js';
import { isClipCandidate, settle } from '../../src/lib/events/drop-dir.js';
import { watchEvents } from '../../src/lib/events/watch.js';
import { clipRecordSchema, type ClipRecord } from '../../src/lib/pipeline/records.js';

describe('isClipCandidate', () => {
  it.each([
    ['clip.mp4', true],
    ['2024-05-01/10-00-00.MKV', true],
    ['ch01_20240501.dav', true],
    ['clip.mp4.part', false],
    ['clip.mp4.tmp', false],
    ['clip.mp4~', false],
    ['.clip.mp4', false],
    ['.incoming/clip.mp4', false],
    ['clip.mp4.filepart', false],
    ['snapshot.jpg', false],
    ['notes.txt', false],
  ])('%s → %s', (name, expected) => {
    expect(isClipCandidate(name)).toBe(expected);
  });
});

describe('settle', () => {
  const f = (name: string, size: number, mtimeMs = 1) => ({ name, size, mtimeMs });
  it('reports a file once size and mtime held still for the settle time', () => {
    let s = settle(new Map(), [f('a.mp4', 10)], 0, 1000);
    expect(s.complete).toEqual([]);
    s = settle(s.next, [f('a.mp4', 20, 2)], 500, 1000); // grew: the clock restarts
    expect(s.complete).toEqual([]);
    s = settle(s.next, [f('a.mp4', 20, 2)], 1400, 1000);
    expect(s.complete).toEqual([]);
    s = settle(s.next, [f('a.mp4', 20, 2)], 1500, 1000);
    expect(s.complete).toEqual([f('a.mp4', 20, 2)]);
    expect(s.next.size).toBe(0);
  });
  it('never reports an empty file, and forgets files that vanished', () => {
    let s = settle(new Map(), [f('empty.mp4', 0), f('gone.mp4', 5)], 0, 100);
    s = settle(s.next, [f('empty.mp4', 0)], 1000, 100);
    expect(s.complete).toEqual([]);
    expect([...s.next.keys()]).toEqual(['empty.mp4']);
  });
});

describe('drop folder watching (real files, real SQLite catalog)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  function run(dataDir: string, dropDir: string) {
    const db = openDb(dataDir);
    const clips: ClipRecord[] = [];
    const ac = new AbortController();
    const done = watchEvents({
      cameras: { porch: { url: 'rtsp://unused', dropDir } },
      events: { maxEventSeconds: 60 },
      signal: ac.signal,
      emit: (r) => void clips.push(clipRecordSchema.parse(r) as ClipRecord),
      seen: seenDropFiles(db),
      dropDir: { pollMs: 50, settleMs: 400 },
    });
    return {
      clips,
      stop: async () => {
        ac.abort();
        await done;
        db.close();
      },
    };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('emits a clip once the file is complete, exactly once across restarts', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cctv-drop-'));
    dirs.push(root);
    const dataDir = join(root, 'data');
    const drop = join(root, 'drop');
    await mkdir(join(drop, '2024-05-01'), { recursive: true });
    await writeFile(join(drop, 'old.mp4'), 'already there before the start');

    let w = run(dataDir, drop);
    // A file still being written: a chunk every 150 ms (less than the settle time) for 1.2 s.
    const growing = join(drop, '2024-05-01', 'growing.mkv');
    const fh = await open(growing, 'w');
    for (let i = 0; i < 8; i++) {
      await fh.write(Buffer.alloc(1000, i));
      await sleep(150);
      expect(w.clips.map((c) => c.path)).not.toContain(growing);
    }
    await fh.close();
    // An FTP-style upload: written under a temp name, renamed when done.
    await writeFile(join(drop, 'upload.mp4.part'), 'partial upload');
    await sleep(600);
    expect(w.clips.map((c) => c.path)).not.toContain(join(drop, 'upload.mp4.part'));
    await rename(join(drop, 'upload.mp4.part'), join(drop, 'upload.mp4'));
    await sleep(800);
    expect(w.clips.map((c) => c.path).sort()).toEqual([growing, join(drop, 'old.mp4'), join(drop, 'upload.mp4')].sort());
    expect(w.clips.find((c) => c.path === growing)).toMatchObject({ camera: 'porch', kind: 'clip', v: 1 });
    await w.stop();

    // Restart on the same catalog: nothing is emitted twice, a new file still is.
    w = run(dataDir, drop);
    await writeFile(join(drop, 'new.mp4'), 'after the restart');
    await sleep(900);
    await w.stop();
    expect(w.clips.map((c) => c.path)).toEqual([join(drop, 'new.mp4')]);
  });

  it('a missing folder is waited for', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cctv-drop-'));
    dirs.push(root);
    const drop = join(root, 'later');
    const w = run(join(root, 'data'), drop);
    await sleep(200);
    await mkdir(drop);
    await writeFile(join(drop, 'a.mp4'), 'x');
    await sleep(800);
    await w.stop();
    expect(w.clips.map((c) => c.path)).toEqual([join(drop, 'a.mp4')]);
  });
});
