import type { Config } from '../../config/schema.js';
import { asker, decode, HttpError, knownCamera, type Route } from '../http.js';
import { releasing, type Limits } from '../limits.js';
import type { LiveHub, LiveStream } from './hub.js';
import { muxedLiveStream, plainLiveStream } from './streams.js';

/**
 * The live routes: /media/live/<camera>.mp4?stream=main|sub (one camera, plain fragmented MP4) and
 * /media/live?camera=A&camera=B&stream=sub (several cameras framed in one response: the web app's grid). Each open
 * response is one live session of `serve.limits`. Both are ordinary streamed HTTP responses of the
 * `handle(Request) → Response` core: no second server path (see the README for why not a WebSocket).
 */

/** The most cameras in one framed stream. */
const MAX_MUX = 64;

function streamParam(v: string | null): LiveStream {
  if (v === null || v === '' || v === 'main') return 'main';
  if (v === 'sub') return 'sub';
  throw new HttpError(400, 'stream: main or sub');
}

const headers = (type: string) => ({ 'content-type': type, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });

export function liveRoutes(o: { hub: LiveHub; limits: Limits; config: Pick<Config, 'cameras'>; enabled: boolean }): Route {
  return async (req, url, ctx) => {
    const plain = /^\/media\/live\/([^/]+)\.mp4$/.exec(url.pathname);
    if (!plain && url.pathname !== '/media/live') return undefined;
    if (!o.enabled) throw new HttpError(404, 'live view is not available on this host');
    const stream = streamParam(url.searchParams.get('stream'));
    if (plain) {
      const camera = knownCamera(o.config, decode(plain[1]!));
      if (req.method === 'HEAD') return new Response(null, { headers: headers('video/mp4') });
      const release = o.limits.acquire('live', asker(ctx).name, req.signal);
      return new Response(releasing(plainLiveStream((v) => o.hub.watch(camera, stream, v)), release), { headers: headers('video/mp4') });
    }
    const cameras = url.searchParams.getAll('camera').map((c) => knownCamera(o.config, c));
    if (cameras.length === 0 || cameras.length > MAX_MUX) throw new HttpError(400, `camera: 1 to ${MAX_MUX} camera names`);
    if (req.method === 'HEAD') return new Response(null, { headers: headers('application/octet-stream') });
    const release = o.limits.acquire('live', asker(ctx).name, req.signal);
    const body = muxedLiveStream(cameras.map((camera) => (v) => o.hub.watch(camera, stream, v)));
    return new Response(releasing(body, release), { headers: headers('application/octet-stream') });
  };
}
