// Bundles the AWS hooks (src/lambda/transcode.ts, analyze.ts, indexer.ts) and the hosted web app (web.ts) with
// esbuild into dist/lambda/<hook>.zip, each holding index.mjs (handler: index.handler, runtime nodejs22.x: built for
// node22); the web app's zip also holds its static files (static/, read beside index.mjs as src/lib/serve reads them).
//   npm run build:lambda           → dist/lambda/{transcode,analyze,indexer,web}.zip (+ meta json)
// Everything is bundled, the AWS SDK v3 included (the runtime has one, but pinning ours is safer).
// The local detector's model and wasm (@vladmandic/human, tfjs) stay out: src/lib/detect/local.ts loads them by
// a computed path at run time only, and the analyze hook never asks for the local detector; the build fails if
// they get in. ffmpeg is not bundled: it comes from the layer (infra/terraform/README.md, "The ffmpeg layer").
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outRoot = path.join(root, 'dist/lambda');
const HOOKS = ['transcode', 'analyze', 'indexer', 'web'];
/** Files beside index.mjs, by hook. */
const EXTRA = { web: { from: 'src/lib/serve/static', to: 'static' } };
/** Packages that must never be in a hook bundle (the local detector's heavy parts, the CLI's native/UI parts). */
const FORBIDDEN = [/node_modules\/@vladmandic\/human\//, /node_modules\/@tensorflow\//, /node_modules\/better-sqlite3\//, /node_modules\/ink\//, /node_modules\/react\//];
const LIMIT = 50 * 1024 * 1024; // Lambda's direct-upload limit for a zip

mkdirSync(outRoot, { recursive: true });
const summary = {};
for (const hook of HOOKS) {
  const dir = path.join(outRoot, hook);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, `src/lambda/${hook}.ts`)],
    outfile: path.join(dir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
    banner: { js: "import { createRequire as __cctvCreateRequire } from 'node:module'; const require = __cctvCreateRequire(import.meta.url);" },
  });
  const inputs = Object.keys(result.metafile.inputs);
  const bad = inputs.filter((i) => FORBIDDEN.some((re) => re.test(i)));
  if (bad.length > 0) throw new Error(`${hook}: bundle pulls in ${bad.slice(0, 5).join(', ')}`);
  writeFileSync(path.join(outRoot, `${hook}.meta.json`), JSON.stringify(result.metafile));
  const zip = path.join(outRoot, `${hook}.zip`);
  rmSync(zip, { force: true });
  const extra = EXTRA[hook];
  if (extra) cpSync(path.join(root, extra.from), path.join(dir, extra.to), { recursive: true });
  const files = extra ? ['index.mjs', extra.to] : ['index.mjs'];
  execFileSync('python3', ['-m', 'zipfile', '-c', zip, ...files], { cwd: dir });
  const bytes = statSync(zip).size;
  if (bytes >= LIMIT) throw new Error(`${zip} is ${bytes} bytes, over Lambda's 50 MB`);
  summary[hook] = { zip: path.relative(root, zip), bytes, bundleBytes: statSync(path.join(dir, 'index.mjs')).size, modules: inputs.length };
  process.stderr.write(`[build:lambda] ${summary[hook].zip}: ${(bytes / 1024 / 1024).toFixed(2)} MB (${inputs.length} modules)\n`);
}
process.stdout.write(`${JSON.stringify(summary)}\n`);
