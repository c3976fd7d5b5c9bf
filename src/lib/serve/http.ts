import type { Config } from '../config/schema.js';
import type { Client, Principal } from './auth/authenticator.js';

/** What every route of the web app shares: errors as answers, JSON answers, and reading parameters. */

/** Thrown by route code: answered as `{ "error": message }` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra headers of the answer (Retry-After on 429, Allow on 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** What the app knows about a request before routing it (app.ts). */
export interface RequestContext {
  /** Who is asking; null only on the public paths of auth/access.ts (the sign-in page and what it loads). */
  principal: Principal | null;
  client: Client;
}

/**
 * A request handler: its answer, or undefined when the path is not one of its routes. Every method reaches the
 * routes; those that are not GET/HEAD have passed the app's CSRF check (security.ts csrfRefusal) first.
 */
export type Route = (req: Request, url: URL, ctx: RequestContext) => Promise<Response | undefined>;

/** Who is asking, on a path that needs someone signed in (every path but auth/access.ts's public ones). */
export function asker(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new HttpError(401, 'sign in first');
  return ctx.principal;
}

/** 405 unless `req` uses one of `methods` (HEAD counts as GET). */
export function allowMethods(req: Request, ...methods: string[]): void {
  const m = req.method === 'HEAD' ? 'GET' : req.method;
  if (!methods.includes(m)) throw new HttpError(405, 'method not allowed', { allow: methods.join(', ') });
}

/** The JSON body of a request (at most `maxBytes`); 415 unless it says JSON, 400 when it is not. */
export async function jsonBody(req: Request, maxBytes = 64 * 1024): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers.get('content-type') ?? '')) throw new HttpError(415, 'send JSON (content-type: application/json)');
  const text = await req.text();
  if (text.length > maxBytes) throw new HttpError(413, `body larger than ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

export function json(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra },
  });
}

/** A path segment, percent-decoded; 400 when malformed. */
export function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'malformed path');
  }
}

export function intParam(v: string | null, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name}: a whole number from ${min} to ${max}`);
  return n;
}

/** An ISO 8601 time, a YYYY-MM-DD date (UTC midnight) or milliseconds since the epoch; undefined when absent. */
export function timeParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(ms)) throw new HttpError(400, `${name}: use ISO 8601 (2024-05-01T12:00:00Z), a date or ms since the epoch`);
  return ms;
}

/** A configured camera's name; 404 for anything else. */
export function knownCamera(config: Pick<Config, 'cameras'>, name: string | null): string {
  if (!name || !config.cameras[name]) throw new HttpError(404, `no camera ${JSON.stringify(name ?? '')}`);
  return name;
}

/**
 * The API path of a stored object's media route (`/media/clip/<key>`, `/media/poster/<key>`), keyed by the clip; in
 * the hosted app with the site whose catalog knows the key (`?site=`).
 */
export function mediaPath(kind: 'clip' | 'poster', clipKey: string, site?: string): string {
  const path = `/media/${kind}/${clipKey.split('/').map(encodeURIComponent).join('/')}`;
  return site === undefined ? path : `${path}?site=${encodeURIComponent(site)}`;
}
