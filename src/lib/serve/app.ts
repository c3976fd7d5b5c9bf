import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Storage } from '../storage/index.js';
import { apiRoutes, type Capabilities } from './api-routes.js';
import { isFootage, permits, requiredAccess } from './auth/access.js';
import { RecentKeys, safeAdd, type AccessLog } from './auth/audit.js';
import type { Authenticator, Client, Principal } from './auth/authenticator.js';
import { noSignIn } from './auth/none.js';
import { exportRoutes } from './export-routes.js';
import { HttpError, json, type RequestContext, type Route } from './http.js';
import { Limits } from './limits.js';
import { LiveHub } from './live/hub.js';
import { liveRoutes } from './live/routes.js';
import { mediaRoutes } from './media-routes.js';
import { csrfRefusal, forwardedClient, hostAllowed, securityHeaders, trustedProxyList } from './security.js';
import { siteRoutes, type HostedSite } from './hosted-routes.js';
import { staticRoutes } from './static-files.js';

/**
 * The `cctv serve` HTTP app as one function, `handle(Request, Connection) → Response` (web standard types),
 * independent of the server that hosts it: node.ts adapts it to node:http(s); a Lambda adapter can host the same
 * function. It reads the catalog only through the EventCatalog interface, and learns who is asking only through an
 * Authenticator.
 *
 * Every request goes through, in order:
 *   1. where it comes from: proxy headers are believed from `trustedProxies` only (security.ts forwardedClient).
 *      Without sign-in, a proxied request from anywhere else, an HTTP/1.0 request (nginx's default to its upstream)
 *      and a non-loopback Host header are refused: a same-host proxy would otherwise publish the cameras.
 *   2. CSRF: a state-changing method must come from the app's own origin (security.ts csrfRefusal).
 *   3. the authenticator's own routes (/auth/…: sign-in, sign-out, who am I).
 *   4. who is asking (Authenticator.identify), and whether they may reach the path (auth/access.ts: public,
 *      signed-in, admin); nobody → the authenticator's challenge (sign-in page or 401), a viewer on an admin path → 403.
 *   5. the routes, given the principal; footage watched is recorded in the access log.
 *
 * Routes (GET/HEAD unless said; all but the public ones behind sign-in when it is on):
 *   /, /*.js, /app.css, icons, /manifest.webmanifest   the web app (./static; static-files.ts)
 *   /sign-in                            the sign-in page (public)
 *   /auth/…                             sign-in, sign-out, session (the authenticator's; auth/local.ts)
 *   /api/config                         who asks, what this host can do (capabilities), the cameras  (api-routes.ts)
 *   /api/cameras                        cameras with recorder health
 *   /api/events?camera&label&since&until&before&limit&unreviewed   events, newest first, keyset pages
 *   POST /api/reviews                   mark events reviewed or not, for the user who asks
 *   /api/timeline?camera&day            recorded runs, gaps and events of a camera over a UTC day (or from/to)
 *   /healthz, /readyz, /metrics         liveness, readiness, Prometheus text (public, public, signed-in; health-routes.ts)
 *   /api/export?camera&from&to          what an export of that range would hold          (export-routes.ts)
 *   /media/export.zip?camera&from&to    the export: one MP4 per camera, manifest.json, SHA256SUMS
 *   /api/admin/…                        users, API tokens (GET, POST, DELETE), the access log (admins; auth/admin-routes.ts)
 *   /media/clip/<uploadKey>             a stored clip (range requests; a presigned redirect for S3); ?download=1 (media-routes.ts)
 *   /media/poster/<uploadKey>           its poster
 *   /media/recording/<camera>.mp4?at&seconds  continuous recording from the keyframe before `at`, fragmented MP4
 *   /media/thumb/<camera>.jpg?at        a small JPEG of the keyframe at or before `at` (the timeline's scrubbing)
 *   /media/latest/<camera>.jpg          the camera's latest recorded frame
 * The hosted app (`sites`, issue 15) serves /api/config (capabilities, the principal's sites), /api/events and
 * /media/clip|poster per site (`?site=`, hosted-routes.ts), and none of the routes that need the house (cameras,
 * timeline, recordings, latest frames).
 *   /media/live/<camera>.mp4?stream     the camera live, fragmented MP4                     (live/routes.ts)
 *   /media/live?camera&stream           several cameras live in one framed stream (the web app's grid)
 */
export type AppOptions = CommonOptions & (PremiseSource | HostedSource);

/** On premise: the catalog, the storage, and the cameras and recordings of the config (timeline, live frames, recorder health). */
interface PremiseSource {
  catalog: EventCatalog;
  config: Pick<Config, 'dataDir' | 'cameras' | 'record' | 'serve' | 'site'>;
  storage: Storage;
  sites?: undefined;
}

/** The hosted app: each site's event catalog and storage, by site name. */
interface HostedSource {
  sites: Readonly<Record<string, HostedSite>>;
  catalog?: undefined;
  config?: undefined;
  storage?: undefined;
}

interface CommonOptions {
  /** Who is asking; default `noSignIn` (everyone is the local admin, loopback only). */
  authenticator?: Authenticator;
  /** Where sign-ins, refusals and footage watched are recorded; default nowhere. */
  accessLog?: AccessLog;
  /** Addresses or CIDR ranges of reverse proxies whose Forwarded / X-Forwarded-* headers are believed. */
  trustedProxies?: readonly string[];
  /** More routes, after the app's own (the local sign-in's admin API). */
  routes?: Route[];
  /** Origins media may be redirected to (the S3 endpoint of presigned URLs); added to the CSP. */
  mediaOrigins?: string[];
  /** How long a presigned media URL lives (default media.ts PRESIGN_SECONDS). */
  presignSeconds?: number;
  /** What this on-premise host can do (default: everything); the web app hides the rest. The hosted app's are fixed (hosted-routes.ts). */
  capabilities?: Partial<Capabilities>;
  /** How long a live camera's ffmpeg keeps running after its last viewer left (default 5 s). */
  liveLingerMs?: number;
  now?: () => number;
}

/** What the host knows about the connection a request came on. */
export interface Connection {
  /** The socket's peer address. */
  remoteAddress: string;
  /** The connection is TLS. */
  secure: boolean;
  /** `1.0`, `1.1`, … (HTTP/1.0 without sign-in is refused: it is what nginx sends its upstream by default). */
  httpVersion?: string;
}

export interface App {
  /** Answers a request; `conn` is the connection it came on (default: an unknown, non-TLS peer). */
  handle(request: Request, conn?: Connection): Promise<Response>;
  /** Stops what runs in the background (live ffmpegs). */
  close(): Promise<void>;
}

const FOOTAGE_LOG_WINDOW_MS = 10 * 60_000;

export function createApp(o: AppOptions): App {
  // blob: is where Media Source Extensions attach a stream to a <video> (live view, timeline player).
  const headers = securityHeaders([...(o.mediaOrigins ?? []), 'blob:']);
  const live = o.sites ? null : new LiveHub(o.config, { lingerMs: o.liveLingerMs });
  const auth = o.authenticator ?? noSignIn;
  const signIn = auth.kind !== 'none';
  const trusted = trustedProxyList(o.trustedProxies ?? []);
  const now = o.now ?? Date.now;
  const footageSeen = new RecentKeys(FOOTAGE_LOG_WINDOW_MS);
  // GET-only route modules: another method on their paths is answered 405 below.
  const readOnly = (route: Route): Route => async (req, url, ctx) => (req.method === 'GET' || req.method === 'HEAD' ? route(req, url, ctx) : undefined);
  let routes: Route[];
  if (o.sites) {
    routes = [...[staticRoutes(), siteRoutes(o.sites, o.presignSeconds)].map(readOnly), ...(o.routes ?? [])];
  } else {
    const capabilities: Capabilities = { live: true, timeline: true, export: true, review: true, ...o.capabilities };
    const limits = new Limits(o.config.serve.limits);
    routes = [
      ...[
        staticRoutes(),
        mediaRoutes({ catalog: o.catalog, storage: o.storage, config: o.config, limits, timeline: capabilities.timeline, presignSeconds: o.presignSeconds }),
        liveRoutes({ hub: live!, limits, config: o.config, enabled: capabilities.live }),
        exportRoutes({ catalog: o.catalog, config: o.config, limits, enabled: capabilities.export }),
      ].map(readOnly),
      apiRoutes(o.catalog, o.config, capabilities), // GET, and POST /api/reviews
      ...(o.routes ?? []),
    ];
  }

  const record = (action: 'refused' | 'footage', req: Request, url: URL, client: Client, status: number, principal: Principal | null, detail: string | null) => {
    if (o.accessLog) {
      safeAdd(o.accessLog, { atMs: now(), action, principal: principal?.name ?? null, address: client.address, method: req.method, path: url.pathname + url.search, status, detail });
    }
  };
  const refuse = (status: number, why: string, req: Request, url: URL, client: Client, principal: Principal | null = null): Response => {
    record('refused', req, url, client, status, principal, why);
    return json({ error: why }, status);
  };

  async function answer(req: Request, url: URL, conn: Connection): Promise<{ res: Response; setCookie: string[] }> {
    const via = forwardedClient(req.headers, { address: conn.remoteAddress, secure: conn.secure }, trusted);
    const client = via.client;
    const plain = (res: Response) => ({ res, setCookie: [] });
    if (!signIn && !via.trusted) {
      if (via.proxied) return plain(refuse(403, 'this request came through a proxy and sign-in is off: add a user (cctv user add) or list the proxy in serve.trustedProxies', req, url, client));
      if (conn.httpVersion === '1.0') return plain(refuse(403, 'HTTP/1.0 (what a reverse proxy such as nginx sends by default) and sign-in is off: add a user (cctv user add) or list the proxy in serve.trustedProxies', req, url, client));
      if (!hostAllowed(req.headers.get('host'))) throw new HttpError(403, 'Host header is not a loopback name');
    }
    const ownOrigin = `${client.secure ? 'https' : 'http'}://${via.host ?? req.headers.get('host') ?? ''}`;
    const csrf = csrfRefusal({
      method: req.method, origin: req.headers.get('origin'), fetchSite: req.headers.get('sec-fetch-site'),
      authorization: req.headers.has('authorization'), ownOrigin,
    });
    if (csrf) return plain(refuse(403, csrf, req, url, client));

    const own = await auth.route(req, url, client);
    if (own) return plain(own);

    const who = await auth.identify(req, client);
    if (who.answer) return { res: who.answer, setCookie: who.setCookie };
    const access = requiredAccess(url.pathname);
    if (!permits(access, who.principal)) {
      const res = who.principal ? refuse(403, `${url.pathname} is for admins`, req, url, client, who.principal) : auth.challenge(req, url);
      return { res, setCookie: who.setCookie };
    }
    const ctx: RequestContext = { principal: who.principal, client };
    let res: Response | undefined;
    for (const route of routes) if ((res = await route(req, url, ctx))) break;
    if (!res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return { res: json({ error: 'method not allowed' }, 405, { allow: 'GET, HEAD' }), setCookie: who.setCookie };
      throw new HttpError(404, 'not found');
    }
    if (req.method === 'GET' && res.status < 400 && isFootage(url.pathname) && footageSeen.first(`${who.principal?.name} ${client.address} ${url.pathname}${url.search}`, now())) {
      record('footage', req, url, client, res.status, who.principal, null);
    }
    if (req.method === 'HEAD' && res.body) {
      await res.body.cancel();
      res = new Response(null, { status: res.status, headers: res.headers });
    }
    return { res, setCookie: who.setCookie };
  }

  return {
    async handle(req, conn = { remoteAddress: 'unknown', secure: false }) {
      const url = new URL(req.url);
      let res: Response;
      let setCookie: string[] = [];
      try {
        ({ res, setCookie } = await answer(req, url, conn));
      } catch (err) {
        if (!(err instanceof HttpError)) log.error({ err: errorMessage(err), url: url.pathname }, 'request failed');
        res = err instanceof HttpError ? json({ error: err.message }, err.status, err.headers) : json({ error: 'internal error' }, 500);
      }
      for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
      for (const c of setCookie) res.headers.append('set-cookie', c);
      return res;
    },
    close: async () => live?.close(),
  };
}
