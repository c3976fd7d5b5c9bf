import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from './http.js';

/**
 * The web app's own files (./static, the ES modules of the UI, its styles, icons and manifest), read once at start:
 * a fixed table built from that folder, so request paths never reach the file system. index.html is `/`, another
 * page is its name without `.html` (`/sign-in`), every other file its name.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

export function staticRoutes(): Route {
  const dir = fileURLToPath(new URL('./static/', import.meta.url));
  const files = new Map(
    readdirSync(dir)
      .filter((f) => TYPES[path.extname(f)])
      .map((f) => {
        const body = readFileSync(path.join(dir, f));
        const entry = { body, type: TYPES[path.extname(f)]!, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
        return [f === 'index.html' ? '/' : f.endsWith('.html') ? `/${f.slice(0, -5)}` : `/${f}`, entry] as const;
      }),
  );
  return async (req, url) => {
    const file = files.get(url.pathname);
    if (!file) return undefined;
    if (req.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers: { etag: file.etag } });
    return new Response(file.body, { headers: { 'content-type': file.type, etag: file.etag, 'cache-control': 'no-cache' } });
  };
}
