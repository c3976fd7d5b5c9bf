import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/lib/catalog/migrations.js';
import { runCctv, tempProject } from '../helpers/cli.js';

const DB_JS = fileURLToPath(new URL('../../dist/lib/catalog/db.js', import.meta.url));
const children = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});

/**
 * `n` real processes that each open the catalog of `dataDir` (dist's openDb: migrations included) at the same
 * moment: each spins until the `go` file appears, so they all start the open within a millisecond or so.
 */
async function openTogether(dataDir: string, n: number): Promise<{ code: number | null; out: string }[]> {
  const go = path.join(dataDir, '..', `go-${path.basename(dataDir)}`);
  const script = `
    const { existsSync } = await import('node:fs');
    const { openDb } = await import(${JSON.stringify(DB_JS)});
    process.stdout.write('ready\\n');
    while (!existsSync(${JSON.stringify(go)})) {}
    try { const db = openDb(${JSON.stringify(dataDir)}); db.prepare('SELECT count(*) FROM segments').get(); db.close(); process.stdout.write('ok\\n'); }
    catch (err) { process.stdout.write('FAILED ' + err.message + '\\n'); process.exitCode = 1; }`;
  const runs = Array.from({ length: n }, () => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(c);
    let out = '';
    const ready = new Promise<void>((resolve) => c.stdout!.on('data', (d) => { out += d; if (out.includes('ready')) resolve(); }));
    const done = new Promise<{ code: number | null; out: string }>((resolve) => c.once('close', (code) => resolve({ code, out })));
    return { ready, done };
  });
  await Promise.all(runs.map((r) => r.ready));
  writeFileSync(go, '');
  return Promise.all(runs.map((r) => r.done));
}

describe('catalog migrations with several processes at once', () => {
  it('6 processes opening a fresh catalog together, 4 times over: every open succeeds, the schema is applied once', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'cctv-migrate-'));
    for (let round = 0; round < 4; round++) {
      const dataDir = path.join(root, `data${round}`);
      const results = await openTogether(dataDir, 6);
      expect(results.map((r) => r.out.trim().split('\n').pop())).toEqual(Array(6).fill('ok'));
      const db = new Database(path.join(dataDir, 'catalog.db'), { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
      db.close();
      // A fresh catalog has nothing to keep: no backup.
      expect(readdirSync(dataDir).filter((f) => f.includes('.bak'))).toEqual([]);
    }
  }, 120_000);

  it('an older catalog opened by several commands at once is migrated once, its copy kept as catalog.db.bak-v<N>', async () => {
    const { dir } = tempProject({ dataDir: './data' });
    const dataDir = path.join(dir, 'data');
    // A catalog at schema 6 (before the outbox got its columns) with one segment and one queued item.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    const old = new Database(path.join(dataDir, 'catalog.db'));
    old.pragma('journal_mode = WAL');
    for (const m of migrations.slice(0, 6)) old.exec(m as string);
    old.pragma('user_version = 6');
    old.prepare("INSERT INTO segments (camera, path, start_ms, end_ms, bytes, closed, created_ms) VALUES ('front', 'recordings/front/2024-01-01/000000.mkv', 1, 2, 3, 1, 4)").run();
    old.prepare(`INSERT INTO outbox (key, kind, priority, payload, next_attempt_ms, created_ms, updated_ms) VALUES ('segment:x', 'segment', 1, ?, 0, 0, 0)`)
      .run(JSON.stringify({ v: 1, kind: 'segment', camera: 'front', path: 'recordings/front/2024-01-01/000000.mkv', start: '2024-01-01T00:00:00Z', end: '2024-01-01T00:15:00Z', durationSeconds: 900, bytes: 3 }));
    old.close();

    // Four real `cctv` commands at once (search reads the catalog, so each opens and migrates it).
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCctv(['search', '--json'], { cwd: dir })));
    for (const r of runs) {
      expect(r.stderr).not.toMatch(/already exists|unhandled|error/i);
      expect(r.code).toBe(0);
    }
    const db = new Database(path.join(dataDir, 'catalog.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare('SELECT camera, from_ms FROM outbox').get()).toEqual({ camera: 'front', from_ms: Date.parse('2024-01-01T00:00:00Z') });
    db.close();
    // Exactly one copy, of the catalog as it was (schema 6, its rows), and no temporary copy left behind.
    expect(readdirSync(dataDir).filter((f) => f.includes('.bak')).sort()).toEqual(['catalog.db.bak-v6']);
    const bak = new Database(path.join(dataDir, 'catalog.db.bak-v6'), { readonly: true });
    expect(bak.pragma('user_version', { simple: true })).toBe(6);
    expect(bak.prepare('SELECT count(*) AS n FROM segments').get()).toEqual({ n: 1 });
    bak.close();
    expect(existsSync(path.join(dataDir, 'catalog.db.bak-v7'))).toBe(false);
  }, 60_000);
});
