import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `npm run build:lambda`: three zips Lambda can run (index.mjs exporting handler), small, without the local model. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const unzipped = mkdtempSync(path.join(tmpdir(), 'cctv-lambda-zip-'));
afterAll(() => rmSync(unzipped, { recursive: true, force: true }));

describe('build:lambda', () => {
  it('bundles transcode.zip, analyze.zip and indexer.zip (for node22) with index.mjs exporting handler, below 50 MB, no local detector inside', async () => {
    execFileSync('npm', ['run', '--silent', 'build:lambda'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const hook of ['transcode', 'analyze', 'indexer']) {
      const zip = path.join(root, 'dist/lambda', `${hook}.zip`);
      expect(statSync(zip).size).toBeLessThan(50 * 1024 * 1024);
      // Small in practice (about 0.35 MB each, the AWS SDK clients included): cold starts stay short.
      expect(statSync(zip).size).toBeLessThan(1024 * 1024);
      const names = execFileSync('python3', ['-m', 'zipfile', '-l', zip], { encoding: 'utf8' });
      expect(names).toMatch(/^index\.mjs\s/m);
      const dir = path.join(unzipped, hook);
      execFileSync('python3', ['-m', 'zipfile', '-e', zip, dir]);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      // The local model and wasm are loaded by computed paths at run time: their file names are in the code, their
      // code is not (the metafile below lists every module bundled).
      expect(code.length).toBeLessThan(5 * 1024 * 1024);
      const inputs = Object.keys((JSON.parse(readFileSync(path.join(root, 'dist/lambda', `${hook}.meta.json`), 'utf8')) as { inputs: object }).inputs);
      expect(inputs.filter((i) => /node_modules\/(@vladmandic|@tensorflow|better-sqlite3|ink|mqtt)\//.test(i))).toEqual([]);
      expect(inputs).toContain(`src/lambda/${hook}.ts`);
      // Loads as Lambda loads it (a fresh Node, the zip's own copy) and fails only on the missing environment.
      const mod = (await import(pathToFileURL(path.join(dir, 'index.mjs')).href)) as { handler: (e: unknown) => Promise<unknown> };
      expect(typeof mod.handler).toBe('function');
    }
  }, 120_000);
});
