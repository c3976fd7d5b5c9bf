import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import { log } from '../log.js';
import { storageFromConfig, type Storage } from '../storage/index.js';
import { createApp } from './app.js';
import { listen, type Listening } from './node.js';
import { assertBindAllowed } from './security.js';

export { createApp, type App, type AppOptions } from './app.js';
export { listen, type Listening } from './node.js';

/** The origin presigned URLs of `storage` point at (the CSP must allow it for media), or none. */
async function presignOrigin(storage: Storage): Promise<string[]> {
  try {
    const signed = await storage.presign('probe.mp4', 60);
    return signed ? [new URL(signed).origin] : [];
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'cannot presign storage URLs: stored clips will not play');
    return [];
  }
}

/**
 * Starts `cctv serve` on `host:port` (port 0: the OS picks): refuses a non-loopback address without `serve.auth`
 * (UserError), then listens until the returned server is closed.
 */
export async function startServe(opts: { config: Config; catalog: EventCatalog; host: string; port: number; storage?: Storage; liveLingerMs?: number }): Promise<Listening> {
  const { config } = opts;
  assertBindAllowed(opts.host, config.serve.auth);
  const storage = opts.storage ?? storageFromConfig(config);
  const app = createApp({
    catalog: opts.catalog, config, storage, auth: config.serve.auth, mediaOrigins: await presignOrigin(storage), liveLingerMs: opts.liveLingerMs,
  });
  const listening = await listen(app, opts.host, opts.port);
  const server: Listening = {
    url: listening.url,
    close: async () => {
      await app.close();
      await listening.close();
    },
  };
  log.info({ url: server.url, auth: config.serve.auth ? 'basic' : 'none (loopback only)' }, `serving on ${server.url}`);
  return server;
}
