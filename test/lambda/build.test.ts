import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { functionUrlEvent, startSsmStub } from '../helpers/function-url-host.js';

/** `npm run build:lambda`: four zips Lambda can run (index.mjs exporting handler), small, without the local model. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const unzipped = mkdtempSync(path.join(tmpdir(), 'cctv-lambda-zip-'));
afterAll(() => rmSync(unzipped, { recursive: true, force: true }));

describe('build:lambda', () => {
  it('bundles transcode.zip, analyze.zip, indexer.zip and web.zip (for node22) with index.mjs exporting handler, below 50 MB, no local detector inside', async () => {
    execFileSync('npm', ['run', '--silent', 'build:lambda'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const hook of ['transcode', 'analyze', 'indexer', 'web']) {
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
  }, 300_000); // the build takes ~20 s on an idle machine, 40 s and more when the machine is shared

  it('the web zip answers as Lambda runs it: settings from SSM (here a loopback stand-in), its static files beside index.mjs', async () => {
    const dir = path.join(unzipped, 'web');
    const settings = {
      publicOrigin: 'https://d111.cloudfront.net', userPoolId: 'eu-west-2_AbCdEf123', clientId: 'abcdefghij0123456789klmnop', cognitoDomain: 'https://cctv-1.auth.eu-west-2.amazoncognito.com',
      storageUrl: 's3://cctv-clips', eventsTable: 'cctv-events', sessionsTable: 'cctv-web-sessions', sites: ['home'],
    };
    const ssm = await startSsmStub(new Map([['/cctv/web/settings', JSON.stringify(settings)]]));
    try {
      const event = (rawPath: string) => functionUrlEvent({ method: 'GET', url: rawPath, headers: {}, body: Buffer.alloc(0), viewerIp: '198.51.100.7' });
      const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(dir, 'index.mjs')).href)});
        const out = [];
        for (const e of ${JSON.stringify([event('/app.css'), event('/api/config')])}) out.push(await handler(e));
        process.stdout.write(JSON.stringify(out));`;
      // Not execFileSync: the SSM stand-in answers from this process's event loop, which a synchronous child would block.
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir, encoding: 'utf8', timeout: 50_000,
        env: { PATH: process.env.PATH, CCTV_WEB_SETTINGS: '/cctv/web/settings', AWS_REGION: 'eu-west-2', AWS_ENDPOINT_URL_SSM: ssm.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      });
      const [css, config] = JSON.parse(stdout) as { statusCode: number; body: string; headers: Record<string, string> }[];
      // The style sheet is public (the sign-in page's); the rest of the page needs a session, like /api/config.
      expect(css!.statusCode).toBe(200);
      expect(css!.body).toBe(readFileSync(path.join(root, 'src/lib/serve/static/app.css'), 'utf8'));
      expect(config!.statusCode).toBe(401);
      expect(config!.headers['content-security-policy']).toContain('media-src \'self\' https://cctv-clips.s3.eu-west-2.amazonaws.com');
      expect(ssm.asked).toEqual(['AmazonSSM.GetParameter /cctv/web/settings']);
    } finally {
      await ssm.close();
    }
  }, 60_000);
});
