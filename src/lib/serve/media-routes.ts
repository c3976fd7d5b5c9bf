import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import type { Storage } from '../storage/index.js';
import { snapshotKey } from '../clips/window.js';
import { asker, decode, HttpError, intParam, knownCamera, mediaPath, timeParam, type Route } from './http.js';
import { releasing, type Limits } from './limits.js';
import { LatestFrames, PRESIGN_SECONDS, recordingRun, recordingStream, storedObject, Thumbnails } from './media.js';

/**
 * The media routes: /media/clip/<key> and /media/poster/<key> (a stored clip and its poster, looked up in the catalog
 * by the clip's key), /media/recording/<camera>.mp4?at&seconds (continuous recording remuxed on the fly; a remux of
 * `serve.limits`), /media/thumb/<camera>.jpg?at&w (a timeline thumbnail), /media/latest/<camera>.jpg (the latest
 * recorded frame), and the links of live alerts (issue 12): /media/event/<camera>/<id>?at=<start> (the event's stored
 * clip once it exists, until then its recording from `at`) and /media/event/<camera>/<id>/snapshot.jpg?at=<start> (the
 * confirming picture). Files and objects come from the catalog (or, for a snapshot, from its key built from the
 * camera, id and time), never from the URL.
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
    m = /^\/media\/event\/([^/]+)\/([^/]+?)(\/snapshot\.jpg)?$/.exec(url.pathname);
    if (m) return eventMedia(catalog, o.storage, config, { camera: decode(m[1]!), eventId: decode(m[2]!), snapshot: m[3] !== undefined, at: q.get('at') }, req);
    m = /^\/media\/latest\/([^/]+)\.jpg$/.exec(url.pathname);
    if (m) {
      const jpeg = await latest.get(knownCamera(config, decode(m[1]!)));
      if (!jpeg) throw new HttpError(404, 'no recording yet');
      return new Response(jpeg, { headers: { 'content-type': 'image/jpeg', 'cache-control': 'no-store' } });
    }
    return undefined;
  };
}

/**
 * A live alert's links, which work from the moment the alert is sent: the clip link redirects to the event's stored
 * clip when the catalog has it, else to the recording from the event's start (`at`, ms) — the live recording while
 * it is written; the snapshot link serves the picture live analysis stored.
 */
async function eventMedia(
  catalog: EventCatalog,
  storage: Storage,
  config: Pick<Config, 'cameras'>,
  e: { camera: string; eventId: string; snapshot: boolean; at: string | null },
  req: Request,
): Promise<Response> {
  const cam = knownCamera(config, e.camera);
  const at = timeParam(e.at, 'at');
  if (at === undefined) throw new HttpError(400, "at: the event's start (ISO 8601 or ms since the epoch)");
  if (e.snapshot) {
    return storedObject(storage, storage.urlFor(snapshotKey(cam, e.eventId, at)), { method: req.method, range: req.headers.get('range') }, { contentType: 'image/jpeg' });
  }
  const page = await catalog.listEvents({ cameras: [cam], labels: [], sinceMs: at, untilMs: at + 1, limit: 50 });
  const clipKey = page.events.find((i) => i.eventId === e.eventId)?.clipKey ?? null;
  const location = clipKey !== null ? mediaPath('clip', clipKey) : `/media/recording/${encodeURIComponent(cam)}.mp4?at=${at}`;
  return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });
}
