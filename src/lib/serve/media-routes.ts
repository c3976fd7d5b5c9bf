import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import type { Storage } from '../storage/index.js';
import { asker, decode, HttpError, intParam, knownCamera, timeParam, type Route } from './http.js';
import { releasing, type Limits } from './limits.js';
import { LatestFrames, PRESIGN_SECONDS, recordingRun, recordingStream, storedObject, Thumbnails } from './media.js';

/**
 * The media routes: /media/clip/<key> and /media/poster/<key> (a stored clip and its poster, looked up in the catalog
 * by the clip's key), /media/recording/<camera>.mp4?at&seconds (continuous recording remuxed on the fly; a remux of
 * `serve.limits`), /media/thumb/<camera>.jpg?at&w (a timeline thumbnail) and /media/latest/<camera>.jpg (the latest
 * recorded frame). Files and objects come from the catalog, never from the URL.
 */

const MAX_RECORDING_SECONDS = 3600;

/**
 * /media/clip/<key> and /media/poster/<key> of one catalog: the key is looked up in it (a key it does not know is a
 * 404, whatever the storage holds). `presignSeconds`: how long a presigned URL lives (media.ts PRESIGN_SECONDS).
 */
export function storedMediaRoute(catalog: EventCatalog, storage: Storage, presignSeconds = PRESIGN_SECONDS): Route {
  return async (req, url) => {
    const m = /^\/media\/(clip|poster)\/(.+)$/.exec(url.pathname);
    if (!m) return undefined;
    const key = decode(m[2]!);
    const clip = await catalog.storedClip(key);
    const stored = m[1] === 'clip' ? clip?.url : clip?.poster;
    if (!clip || !stored) throw new HttpError(404, `no stored ${m[1]} ${key}`);
    const download = m[1] === 'clip' && url.searchParams.has('download') ? `${clip.camera}-${new Date(clip.startMs).toISOString().replace(/[:.]/g, '-')}.mp4` : undefined;
    return storedObject(storage, stored, { method: req.method, range: req.headers.get('range') }, {
      contentType: m[1] === 'clip' ? 'video/mp4' : 'image/jpeg', download, presignSeconds,
    });
  };
}

export function mediaRoutes(o: {
  catalog: EventCatalog;
  storage: Storage;
  config: Pick<Config, 'dataDir' | 'cameras'>;
  limits: Limits;
  timeline: boolean;
  /** How long a presigned URL lives (media.ts PRESIGN_SECONDS). */
  presignSeconds?: number | undefined;
}): Route {
  const { catalog, config } = o;
  const latest = new LatestFrames(catalog, config.dataDir);
  const thumbs = new Thumbnails(catalog, config.dataDir);
  const stored = storedMediaRoute(catalog, o.storage, o.presignSeconds);
  return async (req, url, ctx) => {
    if (!url.pathname.startsWith('/media/') || url.pathname.startsWith('/media/live') || url.pathname.startsWith('/media/export')) return undefined;
    const q = url.searchParams;
    const answer = await stored(req, url, ctx);
    if (answer) return answer;
    let m = /^\/media\/(recording|thumb)\/([^/]+)\.(mp4|jpg)$/.exec(url.pathname);
    if (m && (m[1] === 'recording') === (m[3] === 'mp4')) {
      if (!o.timeline) throw new HttpError(404, 'recordings are not available on this host');
      const cam = knownCamera(config, decode(m[2]!));
      const at = timeParam(q.get('at'), 'at');
      if (at === undefined) throw new HttpError(400, 'at: the moment to play from (ISO 8601 or ms since the epoch)');
      if (m[1] === 'thumb') {
        const jpeg = await thumbs.get(cam, at, q.has('w') ? intParam(q.get('w'), 'w', 80, 320) : 160);
        if (!jpeg) throw new HttpError(404, `nothing recorded on ${cam} at ${new Date(at).toISOString()}`);
        return new Response(jpeg, { headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=3600' } });
      }
      const seconds = q.has('seconds') ? intParam(q.get('seconds'), 'seconds', 1, MAX_RECORDING_SECONDS) : 600;
      const run = await recordingRun(catalog, config.dataDir, cam, at, seconds);
      if (!run) throw new HttpError(404, `nothing recorded on ${cam} at ${new Date(at).toISOString()}`);
      // Where media time 0 and the end of this run are on the wall clock: the player places and chains runs by them.
      const headers = {
        'content-type': 'video/mp4', 'cache-control': 'no-store', 'x-start': new Date(run.startMs).toISOString(), 'x-end': new Date(run.endMs).toISOString(),
      };
      if (req.method === 'HEAD') return new Response(null, { headers });
      const release = o.limits.acquire('remux', asker(ctx).name, req.signal);
      try {
        const { mime, body } = await recordingStream(config.dataDir, run);
        return new Response(releasing(body, release), { headers: { ...headers, 'content-type': mime } });
      } catch (err) {
        release();
        throw err;
      }
    }
    m = /^\/media\/latest\/([^/]+)\.jpg$/.exec(url.pathname);
    if (m) {
      const jpeg = await latest.get(knownCamera(config, decode(m[1]!)));
      if (!jpeg) throw new HttpError(404, 'no recording yet');
      return new Response(jpeg, { headers: { 'content-type': 'image/jpeg', 'cache-control': 'no-store' } });
    }
    return undefined;
  };
}
