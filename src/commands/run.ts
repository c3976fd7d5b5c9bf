import type { CommandContext } from '../lib/context.js';
import { runService } from '../lib/run/service.js';
import { portOption } from './serve.js';

/** `cctv run [--host H] [--port P]`: every stage in one supervised process until SIGINT/SIGTERM (exit 0 when clean). */
export async function run(opts: { host?: string; port?: string }, ctx: CommandContext): Promise<void> {
  await runService({
    config: ctx.config, db: ctx.catalog, signal: ctx.signal,
    host: opts.host ?? ctx.config.serve.host,
    port: portOption(opts.port, ctx.config.serve.port),
    onListening: (url) => process.stderr.write(`cctv run: serving on ${url} (health: ${url}/readyz, metrics: ${url}/metrics)\n`),
  });
}
