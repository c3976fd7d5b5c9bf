import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Route } from './http.js';

/** The web app's own files (./static), read once: a fixed list, so request paths never reach the file system. */

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
  '/sign-in': { file: 'sign-in.html', type: 'text/html; charset=utf-8' },
  '/sign-in.js': { file: 'sign-in.js', type: 'text/javascript; charset=utf-8' },
};

export function staticRoutes(): Route {
  const dir = new URL('./static/', import.meta.url);
  const files = new Map(
    Object.entries(STATIC_FILES).map(([route, { file, type }]) => {
      const body = readFileSync(fileURLToPath(new URL(file, dir)));
      return [route, { body, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"` }];
    }),
  );
  return async (req, url) => {
    const file = files.get(url.pathname);
    if (!file) return undefined;
    if (req.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers: { etag: file.etag } });
    return new Response(file.body, { headers: { 'content-type': file.type, etag: file.etag, 'cache-control': 'no-cache' } });
  };
}
