import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lib/catalog/db.js';
import { abandonWork, enqueue, unfinishedWorkReading } from '../../src/lib/catalog/outbox.js';
import { BIN, runCctv, tempProject } from '../helpers/cli.js';

/** Upload work that does not move is visible: in doctor's report and in record's status view (a real terminal). */
const started: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  // script(1) and the cctv under it are one process group (detached): kill them all.
  for (const p of started.splice(0)) {
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('stuck upload work is visible', () => {
  it('doctor refuses upload.continuous when the storage refuses recordings/, and reports failed and abandoned work; record\'s status view shows it', async () => {
    const { dir } = tempProject({
      dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1:9/none' } }, storage: { url: 'file://./archive' }, upload: { continuous: true },
    });
    // A store where clips/ may be written and recordings/ may not (as the shipped Terraform without allow_recording_uploads).
    mkdirSync(path.join(dir, 'archive'));
    writeFileSync(path.join(dir, 'archive', 'recordings'), 'not a folder');
    const iso = (ms: number) => new Date(ms).toISOString();
    const T = Date.now() - 3600_000;
    const db = openDb(path.join(dir, 'data'));
    const seg = (p: string) => ({ v: 1 as const, kind: 'segment' as const, camera: 'front', path: p, start: iso(T), end: iso(T + 60_000), durationSeconds: 60, bytes: 1 });
    enqueue(db, { key: 'segment:a', kind: 'segment', payload: seg('recordings/front/a.mkv') });
    enqueue(db, { key: 'segment:b', kind: 'segment', payload: seg('recordings/front/b.mkv') });
    // segment:a failed in an earlier run (as a worker's markFailed leaves it).
    db.prepare("UPDATE outbox SET state = 'failed', last_error = 'AccessDenied: 403' WHERE key = 'segment:a'").run();
    abandonWork(db, unfinishedWorkReading(db, { camera: 'front', path: 'recordings/front/b.mkv', startMs: T, endMs: T + 60_000 }, 0, 0), 'abandoned: recording deleted by emergency pruning');
    db.close();

    const r = await runCctv(['doctor'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}storage {10}upload\.continuous stores whole recordings under recordings\/, and the storage refuses them .*allow_recording_uploads = true/m);
    expect(r.stdout).toMatch(/^WARN {2}upload work {6}1 failed, 1 abandoned; latest: segment:[ab] /m);

    // record on a terminal (script(1) gives it one): the view's notice line. Ink draws only the last frame when CI is
    // set (is-in-ci), as the CI that runs this suite does: the view is asked for as an owner's terminal would.
    const rec = spawn('script', ['-qfec', `${process.execPath} ${BIN} record`, '/dev/null'], { cwd: dir, env: { ...process.env, COLUMNS: '200', LINES: '20', CI: 'false', CONTINUOUS_INTEGRATION: 'false' }, detached: true });
    started.push(rec);
    let screen = '';
    rec.stdout.on('data', (d) => (screen += d));
    const deadline = Date.now() + 30_000;
    while (!/upload work stuck: 1 failed, 1 abandoned/.test(screen) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    expect(screen).toMatch(/upload work stuck: 1 failed, 1 abandoned \(cctv doctor says more\)/);
  }, 60_000);
});
