import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Storage } from '../storage/index.js';
import { apiRoutes } from './api-routes.js';
import { HttpError, json, type Route } from './http.js';
import { mediaRoutes } from './media-routes.js';
import { authorized, hostAllowed, securityHeaders, type Credentials } from './security.js';
import { staticRoutes } from './static-files.js';

/**
 * The `cctv serve` HTTP app as one function, `handle(Request) → Response` (web standard types), independent of the
 * server that hosts it: node.ts adapts it to node:http; a Lambda adapter can host the same function. It reads the
 * catalog only through the EventCatalog interface.
 *
 * Routes (all GET/HEAD, all behind authentication when `serve.auth` is set):
 *   /                                   the web app (static files shipped in ./static; static-files.ts)
 *   /api/cameras                        cameras with recorder health                         (api-routes.ts)
 *   /api/events?camera&label&since&until&before&limit   events, newest first, keyset pages
 *   /api/timeline?camera&day            recorded runs, gaps and events of a camera over a UTC day (or from/to)
 *   /media/clip/<uploadKey>             a stored clip (range requests; a presigned redirect for S3); ?download=1 (media-routes.ts)
 *   /media/poster/<uploadKey>           its poster
 *   /media/recording/<camera>.mp4?at&seconds  continuous recording from `at`, fragmented MP4 remuxed on the fly
 *   /media/latest/<camera>.jpg          the camera's latest recorded frame
 */
export interface AppOptions {
  catalog: EventCatalog;
  config: Pick<Config, 'dataDir' | 'cameras' | 'record'>;
  storage: Storage;
  auth?: Credentials;
  /** Origins media may be redirected to (the S3 endpoint of presigned URLs); added to the CSP. */
  mediaOrigins?: string[];
}

export interface App {
  handle(request: Request): Promise<Response>;
}

export function createApp(o: AppOptions): App {
  const headers = securityHeaders(o.mediaOrigins ?? []);
  const routes: Route[] = [staticRoutes(), apiRoutes(o.catalog, o.config), mediaRoutes(o.catalog, o.storage, o.config)];

  /** Who may ask and how, then the first route that knows the path; HEAD answers carry no body. */
  async function answer(req: Request): Promise<Response> {
    if (!hostAllowed(req.headers.get('host'), o.auth)) throw new HttpError(403, 'Host header is not a loopback name');
    if (!authorized(req.headers.get('authorization'), o.auth)) {
      return json({ error: 'authentication required' }, 401, { 'www-authenticate': 'Basic realm="cctv", charset="UTF-8"' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json({ error: 'method not allowed' }, 405, { allow: 'GET, HEAD' });
    const url = new URL(req.url);
    let res: Response | undefined;
    for (const route of routes) if ((res = await route(req, url))) break;
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
        res = err instanceof HttpError ? json({ error: err.message }, err.status) : json({ error: 'internal error' }, 500);
      }
      for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
      return res;
    },
  };
}
