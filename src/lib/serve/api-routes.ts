import { z } from 'zod';
import { CursorError, type EventCatalog, type FoundLabel } from '../catalog/event-catalog.js';
import { GAP_TOLERANCE_MS } from '../clips/window.js';
import type { Config } from '../config/schema.js';
import { isRecording, recordingWrittenMs } from '../record/paths.js';
import type { Principal } from './auth/authenticator.js';
import { allowMethods, asker, HttpError, intParam, json, jsonBody, knownCamera, mediaPath, timeParam, type Route } from './http.js';

/**
 * The JSON API: /api/config (who asks, what this host can do), /api/cameras (recorder health), /api/events (events and
 * plain clips, newest first, by pages, with the asker's review marks), POST /api/reviews (marking them) and
 * /api/timeline (a camera's recordings, gaps and events over a day). Answers are plain JSON with ISO times; media is
 * referred to by API paths built from catalog keys, never by file paths or storage URLs.
 */

/** What a host of the web app can do; the UI hides what it cannot (the hosted app has no live cameras, say). */
export interface Capabilities {
  live: boolean;
  timeline: boolean;
  export: boolean;
  review: boolean;
}

export interface AppConfig {
  user: Principal;
  capabilities: Capabilities;
  /** Configured cameras and whether each has a sub stream (the live grid shows it). */
  cameras: { name: string; subStream: boolean }[];
  /** On premise: this installation's name (config `site`), when set; the page shows it. */
  site?: string;
}

export interface EventItem {
  /** The event id; null for a plain clip (a camera's own clip from a drop folder). */
  id: string | null;
  /** What POST /api/reviews marks for it: the event id, or the plain clip's key. */
  review: string | null;
  camera: string;
  start: string;
  end: string | null;
  durationSeconds: number | null;
  /** Detector labels (most confident first), then labels only the camera reported (confidence null). */
  labels: FoundLabel[];
  /** API path of the clip, or null while it is not stored yet. */
  clip: string | null;
  poster: string | null;
  /** Marked reviewed by the user who asks. */
  reviewed: boolean;
}

export interface CameraHealth {
  name: string;
  /** The newest segment's file was written within record.stallSeconds (at least 10 s): record/paths.ts isRecording. */
  recording: boolean;
  lastSegment: { start: string; end: string; closed: boolean } | null;
  /** Outages catalogued in the last 24 hours, newest last. */
  gaps24h: { start: string; end: string; reason: string }[];
  latest: string;
}

export interface Timeline {
  camera: string;
  from: string;
  to: string;
  /** What was recorded: runs of contiguous segments. */
  recorded: { start: string; end: string }[];
  /** Outages the recorder catalogued (reason: camera unreachable, recorder not running, …). */
  gaps: { start: string; end: string; reason: string }[];
  events: { id: string; start: string; end: string | null; labels: string[]; reviewed: boolean }[];
}

/** The body of POST /api/reviews: items are event ids (or a plain clip's key, the `review` of its list item). */
const reviewBody = z.strictObject({ items: z.array(z.string().min(1).max(300)).min(1).max(500), reviewed: z.boolean() });

/** This module's paths (others under /api/ belong to other modules: export, the admin API). */
const OWN_PATHS = new Set(['/api/config', '/api/reviews', '/api/cameras', '/api/events', '/api/timeline']);
const MAX_PAGE = 200;
const DAY_MS = 86_400_000;

export function apiRoutes(catalog: EventCatalog, config: Pick<Config, 'dataDir' | 'cameras' | 'record' | 'site'>, capabilities: Capabilities): Route {
  const cameraNames = Object.keys(config.cameras);
  const events = eventsRoute(catalog);
  return async (req, url, ctx) => {
    const q = url.searchParams;
    if (OWN_PATHS.has(url.pathname)) allowMethods(req, ...(url.pathname === '/api/reviews' ? ['POST'] : ['GET']));
    switch (url.pathname) {
      case '/api/config':
        return json({
          user: asker(ctx),
          capabilities,
          cameras: cameraNames.map((name) => ({ name, subStream: config.cameras[name]!.subUrl !== undefined })),
          ...(config.site === undefined ? {} : { site: config.site }),
        } satisfies AppConfig);
      case '/api/reviews': {
        if (!capabilities.review) throw new HttpError(404, 'review marks are not kept by this host');
        const body = reviewBody.safeParse(await jsonBody(req));
        if (!body.success) throw new HttpError(400, `body: ${body.error.issues[0]!.path.join('.') || 'root'}: ${body.error.issues[0]!.message} (send {"items": ["<event id>"], "reviewed": true})`);
        await catalog.setReviewed(asker(ctx).name, body.data.items, body.data.reviewed);
        return json({ items: body.data.items, reviewed: body.data.reviewed });
      }
      case '/api/cameras': {
        return json({ cameras: await Promise.all(cameraNames.map((n) => cameraHealth(catalog, config.dataDir, n, config.record.stallSeconds))) });
      }
      case '/api/events':
        return events(req, url, ctx);
      case '/api/timeline': {
        const cam = knownCamera(config, q.get('camera'));
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
        return json(await timeline(catalog, config.dataDir, cam, fromMs, toMs, asker(ctx).name));
      }
      default:
        return undefined;
    }
  };
}

/**
 * /api/events?camera&label&since&until&before&limit&unreviewed over one catalog, with the asker's review marks. `site`: the hosted app's site of that catalog,
 * carried on the media paths it answers (`?site=`), since the media routes look the key up in that site's catalog.
 */
export function eventsRoute(catalog: EventCatalog, site?: string): Route {
  return async (_req, url, ctx) => {
    if (url.pathname !== '/api/events') return undefined;
    const q = url.searchParams;
    return json(
      await listEvents(catalog, site, {
        cameras: q.getAll('camera').filter(Boolean),
        labels: q.getAll('label').filter(Boolean),
        sinceMs: timeParam(q.get('since'), 'since'),
        untilMs: timeParam(q.get('until'), 'until'),
        limit: q.has('limit') ? intParam(q.get('limit'), 'limit', 1, MAX_PAGE) : 50,
        cursor: q.get('before') || undefined,
        reviewer: asker(ctx).name,
        unreviewed: flagParam(q.get('unreviewed'), 'unreviewed'),
      }),
    );
  };
}

/** A page of events and plain clips as the API answers it. */
async function listEvents(catalog: EventCatalog, site: string | undefined, query: Parameters<EventCatalog['listEvents']>[0]): Promise<{ events: EventItem[]; next: string | null }> {
  let page;
  try {
    page = await catalog.listEvents(query);
  } catch (err) {
    if (err instanceof CursorError) throw new HttpError(400, 'before: not a cursor from a previous page');
    throw err;
  }
  return {
    events: page.events.map((m) => ({
      id: m.eventId,
      camera: m.camera,
      start: iso(m.startMs),
      end: m.endMs === null ? null : iso(m.endMs),
      durationSeconds: m.endMs === null ? null : Math.round(m.endMs - m.startMs) / 1000,
      labels: m.labels.map((l) => (l.confidence === null ? l : { ...l, confidence: Math.round(l.confidence * 1000) / 1000 })),
      clip: m.clipKey === null ? null : mediaPath('clip', m.clipKey, site),
      poster: m.clipKey === null || !m.hasPoster ? null : mediaPath('poster', m.clipKey, site),
      review: m.eventId ?? m.clipKey,
      reviewed: m.reviewed,
    })),
    next: page.next,
  };
}

/** Recorder health of a camera, from the catalog and the newest segment's file (the recorder may be another process). */
async function cameraHealth(catalog: EventCatalog, dataDir: string, name: string, stallSeconds: number, nowMs = Date.now()): Promise<CameraHealth> {
  const seg = await catalog.lastRecording(name);
  const endMs = seg ? (seg.closed ? seg.endMs : Math.max(seg.endMs, recordingWrittenMs(dataDir, seg.path) ?? seg.endMs)) : null;
  const written = seg ? recordingWrittenMs(dataDir, seg.path) : null;
  const gaps = await catalog.gaps(name, { fromMs: nowMs - DAY_MS, toMs: nowMs });
  return {
    name,
    recording: isRecording(written, stallSeconds, nowMs),
    lastSegment: seg && endMs !== null ? { start: iso(seg.startMs), end: iso(endMs), closed: seg.closed } : null,
    gaps24h: gaps.map((g) => ({ start: iso(g.fromMs), end: iso(g.toMs), reason: g.reason })),
    latest: `/media/latest/${encodeURIComponent(name)}.jpg`,
  };
}

/** What a camera recorded in [fromMs, toMs), its gaps and its events: the timeline bar of one day. */
async function timeline(catalog: EventCatalog, dataDir: string, camera: string, fromMs: number, toMs: number, reviewer: string): Promise<Timeline> {
  const span = { fromMs, toMs };
  const [segments, gaps, events] = await Promise.all([catalog.recordings(camera, span), catalog.gaps(camera, span), catalog.cameraEvents(camera, span, reviewer)]);
  // An open segment's catalogued end lags: its file's modification time tells how far it reaches.
  const runs: { fromMs: number; toMs: number }[] = [];
  for (const s of segments) {
    const end = s.closed ? s.endMs : Math.max(s.endMs, recordingWrittenMs(dataDir, s.path) ?? s.endMs);
    if (end <= fromMs) continue;
    const last = runs[runs.length - 1];
    if (last && s.startMs - last.toMs <= GAP_TOLERANCE_MS) last.toMs = Math.max(last.toMs, end);
    else runs.push({ fromMs: s.startMs, toMs: end });
  }
  const clamp = (ms: number) => iso(Math.min(toMs, Math.max(fromMs, ms)));
  return {
    camera,
    from: iso(fromMs),
    to: iso(toMs),
    recorded: runs.map((r) => ({ start: clamp(r.fromMs), end: clamp(r.toMs) })),
    gaps: gaps.map((g) => ({ start: clamp(g.fromMs), end: clamp(g.toMs), reason: g.reason })),
    events: events.map((e) => ({ id: e.id, start: iso(e.startMs), end: e.endMs === null ? null : iso(e.endMs), labels: e.labels, reviewed: e.reviewed })),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `1`/`true` or `0`/`false`/absent. */
function flagParam(v: string | null, name: string): boolean {
  if (v === null || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new HttpError(400, `${name}: 1 or 0`);
}
