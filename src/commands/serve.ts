import { sqliteEventCatalog } from '../lib/catalog/sqlite-event-catalog.js';
import type { CommandContext } from '../lib/context.js';
import { UserError } from '../lib/errors.js';
import { startServe } from '../lib/serve/index.js';

/** `--port P` (0: the OS picks), else `fallback`; UserError naming the flag. */
export function portOption(value: string | undefined, fallback: number): number {
  const port = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${value}: a port number from 0 to 65535`);
  return port;
}

/** `cctv serve [--host H] [--port P]`: the web app and JSON API until SIGINT/SIGTERM (flags override `serve.*`). */
export async function serve(opts: { host?: string; port?: string }, ctx: CommandContext): Promise<void> {
  const port = portOption(opts.port, ctx.config.serve.port);
  const server = await startServe({ config: ctx.config, catalog: sqliteEventCatalog(ctx.catalog), host: opts.host ?? ctx.config.serve.host, port });
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
}
