import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import type { Storage } from '../storage/index.js';
import { decode, HttpError, intParam, knownCamera, timeParam, type Route } from './http.js';
import { LatestFrames, PRESIGN_SECONDS, recordingPlan, recordingStream, storedObject } from './media.js';

/**
 * The media routes: /media/clip/<key> and /media/poster/<key> (a stored clip and its poster, looked up in the catalog
 * by the clip's key), /media/recording/<camera>.mp4?at&seconds (continuous recording remuxed on the fly) and
 * /media/latest/<camera>.jpg (the latest recorded frame). Files and objects come from the catalog, never from the URL.
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

export function mediaRoutes(catalog: EventCatalog, storage: Storage, config: Pick<Config, 'dataDir' | 'cameras'>, presignSeconds?: number): Route {
  const latest = new LatestFrames(catalog, config.dataDir);
  const stored = storedMediaRoute(catalog, storage, presignSeconds);
  return async (req, url, ctx) => {
    const q = url.searchParams;
    const answer = await stored(req, url, ctx);
    if (answer) return answer;
    let m = /^\/media\/recording\/([^/]+)\.mp4$/.exec(url.pathname);
    if (m) {
      const cam = knownCamera(config, decode(m[1]!));
      const at = timeParam(q.get('at'), 'at');
      if (at === undefined) throw new HttpError(400, 'at: the moment to play from (ISO 8601 or ms since the epoch)');
      const seconds = q.has('seconds') ? intParam(q.get('seconds'), 'seconds', 1, MAX_RECORDING_SECONDS) : 600;
      const plan = await recordingPlan(catalog, config.dataDir, cam, at, seconds);
      if (!plan) throw new HttpError(404, `nothing recorded on ${cam} at ${new Date(at).toISOString()}`);
      const headers = { 'content-type': 'video/mp4', 'cache-control': 'no-store' };
      if (req.method === 'HEAD') return new Response(null, { headers });
      return new Response(await recordingStream(config.dataDir, plan), { headers });
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
