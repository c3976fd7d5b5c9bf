import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Storage } from '../storage/index.js';
import { apiRoutes, type Capabilities } from './api-routes.js';
import { sameOriginWrite } from './csrf.js';
import { HttpError, json, type Route } from './http.js';
import { Limits } from './limits.js';
import { LiveHub } from './live/hub.js';
import { exportRoutes } from './export-routes.js';
import { liveRoutes } from './live/routes.js';
import { mediaRoutes } from './media-routes.js';
import { LOCAL_PRINCIPAL, type Principal } from './principal.js';
import { authorized, hostAllowed, securityHeaders, type Credentials } from './security.js';
import { staticRoutes } from './static-files.js';

/**
 * The `cctv serve` HTTP app as one function, `handle(Request) → Response` (web standard types), independent of the
 * server that hosts it: node.ts adapts it to node:http; a Lambda adapter can host the same function. It reads the
 * catalog only through the EventCatalog interface.
 *
 * Routes (GET/HEAD unless said; all behind authentication when `serve.auth` is set; every other method passes the
 * CSRF rule of csrf.ts first). The README's JSON API table describes each answer.
 *   /, /app.js, /*.js, /app.css, icons, /manifest.webmanifest   the web app (./static; static-files.ts)
 *   /api/config                         who asks, what this host can do (capabilities), the cameras  (api-routes.ts)
 *   /api/cameras                        cameras with recorder health
 *   /api/events?camera&label&since&until&before&limit&unreviewed   events, newest first, keyset pages
 *   POST /api/reviews                   mark events reviewed or not, for the user who asks
 *   /api/timeline?camera&day            recorded runs, gaps and events of a camera over a UTC day (or from/to)
 *   /api/export?camera&from&to          what an export of that range would hold          (export-routes.ts)
 *   /media/export.zip?camera&from&to    the export: one MP4 per camera, manifest.json, SHA256SUMS
 *   /media/clip/<uploadKey>             a stored clip (range requests; a presigned redirect for S3); ?download=1 (media-routes.ts)
 *   /media/poster/<uploadKey>           its poster
 *   /media/recording/<camera>.mp4?at&seconds  continuous recording from the keyframe before `at`, fragmented MP4
 *   /media/thumb/<camera>.jpg?at        a small JPEG of the keyframe at or before `at` (the timeline's scrubbing)
 *   /media/latest/<camera>.jpg          the camera's latest recorded frame
 *   /media/live/<camera>.mp4?stream     the camera live, fragmented MP4                     (live/routes.ts)
 *   /media/live?camera&stream           several cameras live in one framed stream (the web app's grid)
 */
export interface AppOptions {
  catalog: EventCatalog;
  config: Pick<Config, 'dataDir' | 'cameras' | 'record' | 'serve'>;
  storage: Storage;
  auth?: Credentials;
  /** Origins media may be redirected to (the S3 endpoint of presigned URLs); added to the CSP. */
  mediaOrigins?: string[];
  /** What this host can do (default: everything); the web app hides the rest. The hosted app turns live off. */
  capabilities?: Partial<Capabilities>;
  /** How long a live camera's ffmpeg keeps running after its last viewer left (default 5 s). */
  liveLingerMs?: number;
}

export interface App {
  handle(request: Request): Promise<Response>;
  /** Stops what runs in the background (live ffmpegs). */
  close(): Promise<void>;
}

export function createApp(o: AppOptions): App {
  // blob: is where Media Source Extensions attach a stream to a <video> (live view, timeline player).
  const headers = securityHeaders([...(o.mediaOrigins ?? []), 'blob:']);
  const capabilities: Capabilities = { live: true, timeline: true, export: true, review: true, ...o.capabilities };
  const limits = new Limits(o.config.serve.limits);
  const live = new LiveHub(o.config, { lingerMs: o.liveLingerMs });
  const routes: Route[] = [
    staticRoutes(),
    apiRoutes(o.catalog, o.config, capabilities),
    mediaRoutes({ catalog: o.catalog, storage: o.storage, config: o.config, limits, timeline: capabilities.timeline }),
    liveRoutes({ hub: live, limits, config: o.config, enabled: capabilities.live }),
    exportRoutes({ catalog: o.catalog, config: o.config, limits, enabled: capabilities.export }),
  ];

  /** Who may ask and how, then the first route that knows the path; HEAD answers carry no body. */
  async function answer(req: Request): Promise<Response> {
    if (!hostAllowed(req.headers.get('host'), o.auth)) throw new HttpError(403, 'Host header is not a loopback name');
    if (!authorized(req.headers.get('authorization'), o.auth)) {
      return json({ error: 'authentication required' }, 401, { 'www-authenticate': 'Basic realm="cctv", charset="UTF-8"' });
    }
    const principal: Principal = o.auth ? { name: o.auth.username, role: 'admin' } : LOCAL_PRINCIPAL;
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOriginWrite(req.headers)) {
      throw new HttpError(403, 'cross-site request refused (Origin is not this server)');
    }
    const url = new URL(req.url);
    let res: Response | undefined;
    for (const route of routes) if ((res = await route(req, url, { principal }))) break;
    if (!res) throw new HttpError(404, 'not found');
    if (req.method === 'HEAD' && res.body) {
      await res.body.cancel();
      return new Response(null, { status: res.status, headers: res.headers });
    }
    return res;
  }

  return {
    async handle(req) {
      let res: Response;
      try {
        res = await answer(req);
      } catch (err) {
        if (!(err instanceof HttpError)) log.error({ err: errorMessage(err), url: new URL(req.url).pathname }, 'request failed');
        res = err instanceof HttpError ? json({ error: err.message }, err.status, err.headers) : json({ error: 'internal error' }, 500);
      }
      for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
      return res;
    },
    close: () => live.close(),
  };
}
