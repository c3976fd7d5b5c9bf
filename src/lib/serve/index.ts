import { accessLogStore } from '../catalog/access-log.js';
import { openDb } from '../catalog/db.js';
import type { EventCatalog } from '../catalog/event-catalog.js';
import { sessionStore } from '../catalog/sessions.js';
import { countUsers } from '../catalog/users.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { storageFromConfig, type Storage } from '../storage/index.js';
import { createApp } from './app.js';
import { syncConfigUser } from './auth/accounts.js';
import { adminRoutes } from './auth/admin-routes.js';
import { localAuthenticator } from './auth/local.js';
import { noSignIn } from './auth/none.js';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from './auth/session-policy.js';
import { healthRoutes, serveHealth, type Health } from './health-routes.js';
import { presignOrigin } from './media.js';
import { listen, type Listening } from './node.js';
import { assertBindAllowed, isLoopback } from './security.js';

export { createApp, type App, type AppOptions, type Connection } from './app.js';
export { listen, type Listening } from './node.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The session policy of `serve.session`. */
export function sessionPolicy(serve: Config['serve']): SessionPolicy {
  return { ...DEFAULT_SESSION_POLICY, idleMs: serve.session.idleHours * HOUR_MS, absoluteMs: serve.session.maxDays * DAY_MS };
}

/**
 * Starts `cctv serve` on `host:port` (port 0: the OS picks), HTTPS with `serve.tls`. Sign-in is on when `serve.auth`
 * is set or the catalog has a user (`cctv user add`); without it a non-loopback address is refused (UserError).
 * Users, sessions, tokens and the access log live in the catalog of `config.dataDir` (a connection of its own);
 * expired sessions and access-log entries past `serve.accessLogDays` are pruned at start and every hour.
 */
export async function startServe(opts: {
  config: Config; catalog: EventCatalog; host: string; port: number; storage?: Storage; liveLingerMs?: number;
  /** /readyz and /metrics of `cctv run` (its stages); default: the catalog's alone (health-routes.ts serveHealth). */
  health?: Health;
}): Promise<Listening> {
  const { config } = opts;
  const serve = config.serve;
  const db = openDb(config.dataDir);
  try {
    await syncConfigUser(db, serve.auth);
    const signIn = countUsers(db) > 0;
    assertBindAllowed(opts.host, signIn);
    const accessLog = accessLogStore(db);
    const policy = sessionPolicy(serve);
    const sessions = sessionStore(db);
    const housekeeping = () => {
      try {
        const t = Date.now();
        sessions.prune({ nowMs: t, signedInBeforeMs: t - policy.absoluteMs, seenBeforeMs: t - policy.idleMs });
        accessLog.prune(t - serve.accessLogDays * DAY_MS);
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'could not prune sessions or the access log; trying again in an hour');
      }
    };
    housekeeping();
    const timer = setInterval(housekeeping, HOUR_MS).unref();
    const storage = opts.storage ?? storageFromConfig(config);
    const app = createApp({
      catalog: opts.catalog, config, storage, mediaOrigins: await presignOrigin(storage),
      authenticator: signIn ? localAuthenticator({ db, accessLog, policy }) : noSignIn,
      accessLog, trustedProxies: serve.trustedProxies, routes: [adminRoutes(db, accessLog), healthRoutes(opts.health ?? serveHealth(db, config))], liveLingerMs: opts.liveLingerMs,
    });
    const server = await listen(app, opts.host, opts.port, serve.tls);
    if (signIn && !serve.tls && !isLoopback(opts.host)) {
      log.warn('passwords and session cookies cross the network in clear: set serve.tls, or put a TLS proxy in front (serve.trustedProxies)');
    }
    log.info({ url: server.url, signIn: signIn ? 'on' : 'off (loopback only)', tls: !!serve.tls }, `serving on ${server.url}`);
    return {
      url: server.url,
      close: async () => {
        clearInterval(timer);
        await app.close();
        await server.close();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
