import type { App, Connection } from './app.js';

/**
 * The Lambda host of an App (the hosted app, issue 15): a function-URL event (payload format 2.0) → Request plus what
 * only the event knows (the viewer's address, TLS), Response → the function URL's result. The same App answers on
 * premise under node:http (node.ts); test/serve/hosted.test.ts compares both hosts on the same requests.
 *
 * The function URL has auth type AWS_IAM and only CloudFront may call it (Origin Access Control signs each origin
 * request), so what reaches the function was sent by CloudFront:
 * - `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` and `X-Amz-Content-Sha256` are OAC's signature, not the
 *   viewer's credentials: they are dropped (the app would otherwise take a cookie-riding POST for an explicit
 *   credential, csrfRefusal).
 * - `Host` is the function URL's own name (CloudFront's origin request policy must not forward the viewer's): the
 *   request is rebuilt on `publicHost`, the distribution's (or its alias's) name, so the app's own origin and its
 *   redirects are the ones the browser sees.
 * - The viewer's address: `CloudFront-Viewer-Address` when forwarded, else the last `X-Forwarded-For` entry before
 *   the caller (CloudFront's edge, `requestContext.http.sourceIp`); the proxy headers are then dropped.
 * Buffered responses only: bodies up to Lambda's 6 MB (the hosted app answers JSON, its static files and redirects
 * to presigned media URLs), text as text and anything else base64.
 */

/** What a function URL hands the function (the fields this adapter reads). */
export interface FunctionUrlEvent {
  version: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  /** Lower-case names; repeated headers joined with commas. */
  headers: Record<string, string | undefined>;
  requestContext: { domainName?: string; http: { method: string; sourceIp: string; protocol?: string } };
  body?: string;
  isBase64Encoded: boolean;
}

/** What the function returns to the function URL. */
export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** Headers that are the origin hop's (OAC's signature, the function URL's own proxy headers), never the viewer's. */
const HOP_HEADERS = new Set([
  'host', 'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'cookie',
  'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-host', 'x-real-ip', 'via',
  'cloudfront-viewer-address',
]);

/** Pure: the viewer's address as CloudFront reported it (see the module comment). */
export function viewerAddress(headers: FunctionUrlEvent['headers'], sourceIp: string): string {
  const viewer = headers['cloudfront-viewer-address'];
  if (viewer) {
    const colon = viewer.lastIndexOf(':'); // "198.51.100.10:46532" or "2001:db8::1:46532": the port comes last
    if (colon > 0) return viewer.slice(0, colon);
  }
  const chain = (headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  while (chain.length > 1 && chain[chain.length - 1] === sourceIp) chain.pop();
  return chain[chain.length - 1] ?? sourceIp;
}

/** The request a function-URL event carries, as the app on `publicHost` (the distribution's name) sees it. */
export function eventToRequest(event: FunctionUrlEvent, publicHost: string): { request: Request; conn: Connection } {
  const headers = new Headers();
  for (const [k, v] of Object.entries(event.headers)) if (v !== undefined && !HOP_HEADERS.has(k.toLowerCase())) headers.set(k, v);
  headers.set('host', publicHost);
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const method = event.requestContext.http.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD' && event.body !== undefined && event.body !== '';
  const body = hasBody ? Buffer.from(event.body!, event.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const request = new Request(`https://${publicHost}${event.rawPath || '/'}${query}`, { method, headers, body });
  return { request, conn: { remoteAddress: viewerAddress(event.headers, event.requestContext.http.sourceIp), secure: true, httpVersion: '1.1' } };
}

const TEXT = /^(text\/|application\/(json|javascript|xml)|image\/svg\+xml)/;

/** A response as the function URL's result: Set-Cookie values as `cookies`, text bodies as text, others base64. */
export async function responseToResult(res: Response): Promise<FunctionUrlResult> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (k !== 'set-cookie') headers[k] = v;
  });
  const bytes = res.body ? Buffer.from(await res.arrayBuffer()) : Buffer.alloc(0);
  const text = TEXT.test(res.headers.get('content-type') ?? 'text/plain');
  return { statusCode: res.status, headers, cookies: res.headers.getSetCookie(), body: bytes.toString(text ? 'utf8' : 'base64'), isBase64Encoded: !text && bytes.length > 0 };
}

/** The Lambda handler of `app` behind CloudFront on `publicHost`. */
export function functionUrlHandler(app: App, publicHost: string): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  return async (event) => {
    const { request, conn } = eventToRequest(event, publicHost);
    return responseToResult(await app.handle(request, conn));
  };
}
