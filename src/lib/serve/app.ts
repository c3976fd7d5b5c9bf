import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from '../catalog/db.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { Storage } from '../storage/index.js';
import { LatestFrames, recordingPlan, recordingStream, storedObject } from './media.js';
import { cameraHealth, decodeCursor, listEvents, storedClip, timeline } from './queries.js';
import { authorized, hostAllowed, securityHeaders, type Credentials } from './security.js';

/**
 * The `cctv serve` HTTP app as one function, `handle(Request) → Response` (web standard types), independent of the
 * server that hosts it: node.ts adapts it to node:http; a Lambda adapter can host the same function.
 *
 * Routes (all GET/HEAD, all behind authentication when `serve.auth` is set):
 *   /                                   the web app (static files shipped in ./static)
 *   /api/cameras                        cameras with recorder health
 *   /api/events?camera&label&since&until&before&limit   events, newest first, keyset pages
 *   /api/timeline?camera&day            recorded runs, gaps and events of a camera over a UTC day (or from/to)
 *   /media/clip/<uploadKey>             a stored clip (range requests; a presigned redirect for S3); ?download=1
 *   /media/poster/<uploadKey>           its poster
 *   /media/recording/<camera>.mp4?at&seconds  continuous recording from `at`, fragmented MP4 remuxed on the fly
 *   /media/latest/<camera>.jpg          the camera's latest recorded frame
 */
export interface AppOptions {
  db: Db;
  config: Pick<Config, 'dataDir' | 'cameras' | 'record'>;
  storage: Storage;
  auth?: Credentials;
  /** Origins media may be redirected to (the S3 endpoint of presigned URLs); added to the CSP. */
  mediaOrigins?: string[];
}

export interface App {
  handle(request: Request): Promise<Response>;
}

/** Thrown by route code: answered as `{ "error": message }` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** The web app's files, read once (a fixed list: request paths never reach the file system). */
function loadStatic(): Map<string, StaticFile> {
  const dir = new URL('./static/', import.meta.url);
  return new Map(
    Object.entries(STATIC_FILES).map(([route, { file, type }]) => {
      const body = readFileSync(fileURLToPath(new URL(file, dir)));
      return [route, { body, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"` }];
    }),
  );
}

const MAX_PAGE = 200;
const MAX_RECORDING_SECONDS = 3600;
const DAY_MS = 86_400_000;

export function createApp(o: AppOptions): App {
  const files = loadStatic();
  const headers = securityHeaders(o.mediaOrigins ?? []);
  const latest = new LatestFrames(o.db, o.config.dataDir);
  const cameraNames = Object.keys(o.config.cameras);
  const camera = (name: string | null): string => {
    if (!name || !o.config.cameras[name]) throw new HttpError(404, `no camera ${JSON.stringify(name ?? '')}`);
    return name;
  };

  async function route(req: Request, url: URL): Promise<Response> {
    const p = url.pathname;
    const q = url.searchParams;
    const file = files.get(p);
    if (file) {
      if (req.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers: { etag: file.etag } });
      return new Response(file.body, { headers: { 'content-type': file.type, etag: file.etag, 'cache-control': 'no-cache' } });
    }
    if (p === '/api/cameras') {
      const staleMs = Math.max(o.config.record.stallSeconds, 10) * 1000;
      return json({ cameras: cameraNames.map((n) => cameraHealth(o.db, o.config.dataDir, n, staleMs)) });
    }
    if (p === '/api/events') {
      const limit = q.has('limit') ? intParam(q.get('limit'), 'limit', 1, MAX_PAGE) : 50;
      const before = q.get('before');
      const cursor = before ? decodeCursor(before) : undefined;
      if (before && !cursor) throw new HttpError(400, 'before: not a cursor from a previous page');
      return json(
        listEvents(o.db, {
          cameras: q.getAll('camera').filter(Boolean),
          labels: q.getAll('label').filter(Boolean),
          sinceMs: timeParam(q.get('since'), 'since'),
          untilMs: timeParam(q.get('until'), 'until'),
          before: cursor,
          limit,
        }),
      );
    }
    if (p === '/api/timeline') {
      const cam = camera(q.get('camera'));
      const day = q.get('day');
      let fromMs: number;
      let toMs: number;
      if (day) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) throw new HttpError(400, 'day: use YYYY-MM-DD');
        fromMs = Date.parse(`${day}T00:00:00Z`);
        toMs = fromMs + DAY_MS;
      } else {
        fromMs = timeParam(q.get('from'), 'from') ?? Date.now() - DAY_MS;
        toMs = timeParam(q.get('to'), 'to') ?? fromMs + DAY_MS;
        if (toMs <= fromMs || toMs - fromMs > 31 * DAY_MS) throw new HttpError(400, 'from/to: up to 31 days, from before to');
      }
      return json(timeline(o.db, o.config.dataDir, cam, fromMs, toMs));
    }
    let m = /^\/media\/(clip|poster)\/(.+)$/.exec(p);
    if (m) {
      const key = decode(m[2]!);
      const clip = storedClip(o.db, key);
      const url = m[1] === 'clip' ? clip?.url : clip?.poster;
      if (!clip || !url) throw new HttpError(404, `no stored ${m[1]} ${key}`);
      const download = m[1] === 'clip' && q.has('download') ? `${clip.camera}-${new Date(clip.startMs).toISOString().replace(/[:.]/g, '-')}.mp4` : undefined;
      return storedObject(o.storage, url, { method: req.method, range: req.headers.get('range') }, {
        contentType: m[1] === 'clip' ? 'video/mp4' : 'image/jpeg', download,
      });
    }
    m = /^\/media\/recording\/([^/]+)\.mp4$/.exec(p);
    if (m) {
      const cam = camera(decode(m[1]!));
      const at = timeParam(q.get('at'), 'at');
      if (at === undefined) throw new HttpError(400, 'at: the moment to play from (ISO 8601 or ms since the epoch)');
      const seconds = q.has('seconds') ? intParam(q.get('seconds'), 'seconds', 1, MAX_RECORDING_SECONDS) : 600;
      const plan = await recordingPlan(o.db, o.config.dataDir, cam, at, seconds);
      if (!plan) throw new HttpError(404, `nothing recorded on ${cam} at ${new Date(at).toISOString()}`);
      const mediaHeaders = { 'content-type': 'video/mp4', 'cache-control': 'no-store' };
      if (req.method === 'HEAD') return new Response(null, { headers: mediaHeaders });
      return new Response(await recordingStream(o.config.dataDir, plan), { headers: mediaHeaders });
    }
    m = /^\/media\/latest\/([^/]+)\.jpg$/.exec(p);
    if (m) {
      const jpeg = await latest.get(camera(decode(m[1]!)));
      if (!jpeg) throw new HttpError(404, 'no recording yet');
      return new Response(jpeg, { headers: { 'content-type': 'image/jpeg', 'cache-control': 'no-store' } });
    }
    throw new HttpError(404, 'not found');
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

  async function answer(req: Request): Promise<Response> {
    if (!hostAllowed(req.headers.get('host'), o.auth)) throw new HttpError(403, 'Host header is not a loopback name');
    if (!authorized(req.headers.get('authorization'), o.auth)) {
      return json({ error: 'authentication required' }, 401, { 'www-authenticate': 'Basic realm="cctv", charset="UTF-8"' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json({ error: 'method not allowed' }, 405, { allow: 'GET, HEAD' });
    const res = await route(req, new URL(req.url));
    if (req.method === 'HEAD' && res.body) {
      await res.body.cancel();
      return new Response(null, { status: res.status, headers: res.headers });
    }
    return res;
  }
}

function json(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra },
  });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'malformed path');
  }
}

function intParam(v: string | null, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name}: a whole number from ${min} to ${max}`);
  return n;
}

/** An ISO 8601 time, a YYYY-MM-DD date (UTC midnight) or milliseconds since the epoch; undefined when absent. */
function timeParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(ms)) throw new HttpError(400, `${name}: use ISO 8601 (2024-05-01T12:00:00Z), a date or ms since the epoch`);
  return ms;
}
