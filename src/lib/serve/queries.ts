import { statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../catalog/db.js';
import { gapsOverlapping, lastSegment, segmentsOverlapping } from '../catalog/segments.js';
import { GAP_TOLERANCE_MS } from '../clips/window.js';
import { search, type MatchLabel } from '../catalog/search.js';

/**
 * The catalog reads behind the JSON API. Every answer is plain JSON-ready data with ISO times; media is referred to
 * by API paths built from catalog ids, never by file paths or storage URLs.
 */

export interface EventFilter {
  cameras: string[];
  /** Every one must be seen (detector labels, or labels the camera itself reported). */
  labels: string[];
  sinceMs?: number;
  untilMs?: number;
  /** Cursor from a previous page's `next`. */
  before?: Cursor;
  limit: number;
}

/** A page position: the start of the last item shown, and how many shown items share that start. */
export interface Cursor {
  startMs: number;
  skip: number;
}

export interface EventItem {
  /** The event id; null for a plain clip (a camera's own clip from a drop folder). */
  id: string | null;
  camera: string;
  start: string;
  end: string | null;
  durationSeconds: number | null;
  /** Detector labels (most confident first), then labels only the camera reported (confidence null). */
  labels: MatchLabel[];
  /** API path of the clip, or null while it is not stored yet. */
  clip: string | null;
  poster: string | null;
}

export interface EventPage {
  events: EventItem[];
  /** Cursor for the next (older) page, or null at the end. */
  next: string | null;
}

export function encodeCursor(c: Cursor): string {
  return `${c.startMs}:${c.skip}`;
}

/** The inverse of encodeCursor; undefined when `s` is not one. */
export function decodeCursor(s: string): Cursor | undefined {
  const m = /^(\d{1,15}):(\d{1,6})$/.exec(s);
  return m ? { startMs: Number(m[1]), skip: Number(m[2]) } : undefined;
}

/**
 * Events and plain clips, newest first, one page at a time: `cctv search`'s query (catalog/search.ts) with a cursor.
 * Media is referred to by API paths keyed by the catalog's upload key.
 */
export function listEvents(db: Db, f: EventFilter): EventPage {
  const skip = f.before?.skip ?? 0;
  const untilMs = f.before ? Math.min(f.untilMs ?? Infinity, f.before.startMs + 1) : f.untilMs;
  const found = search(db, { tags: f.labels, cameras: f.cameras, sinceMs: f.sinceMs, untilMs, limit: f.limit + skip + 1 });
  const rest = f.before ? found.filter((m, i) => !(i < skip && m.startMs === f.before!.startMs)) : found;
  const page = rest.slice(0, f.limit);
  const last = page[page.length - 1];
  let next: string | null = null;
  if (rest.length > f.limit && last) {
    const ties = page.filter((m) => m.startMs === last.startMs).length;
    next = encodeCursor({ startMs: last.startMs, skip: ties + (f.before && last.startMs === f.before.startMs ? skip : 0) });
  }
  const keyOf = db.prepare('SELECT key FROM uploads WHERE url = ?').pluck();
  const mediaPath = (kind: 'clip' | 'poster', url: string | null) => {
    const key = url === null ? undefined : (keyOf.get(url) as string | undefined);
    return key === undefined ? null : `/media/${kind}/${key.split('/').map(encodeURIComponent).join('/')}`;
  };
  return {
    events: page.map((m) => ({
      id: m.eventId,
      camera: m.camera,
      start: iso(m.startMs),
      end: m.endMs === null ? null : iso(m.endMs),
      durationSeconds: m.endMs === null ? null : Math.round(m.endMs - m.startMs) / 1000,
      labels: m.labels.map((l) => (l.confidence === null ? l : { ...l, confidence: Math.round(l.confidence * 1000) / 1000 })),
      clip: mediaPath('clip', m.clip),
      poster: m.poster === null ? null : mediaPath('poster', m.clip),
    })),
    next,
  };
}

/** A stored clip by its upload key (storage URLs, for the media routes); undefined when the catalog has none. */
export function storedClip(db: Db, key: string): { url: string; poster: string | null; camera: string; startMs: number } | undefined {
  return db
    .prepare(`SELECT url, poster, camera, start_ms AS startMs FROM uploads WHERE key = ?`)
    .get(key) as { url: string; poster: string | null; camera: string; startMs: number } | undefined;
}

/** When a segment file was last written (its real end while it grows); null when the file is gone. */
function fileEndMs(dataDir: string, rel: string): number | null {
  return statSync(path.join(dataDir, rel), { throwIfNoEntry: false })?.mtimeMs ?? null;
}

export interface CameraHealth {
  name: string;
  /** The newest segment's file was written within `staleMs`. */
  recording: boolean;
  lastSegment: { start: string; end: string; closed: boolean } | null;
  /** Outages catalogued in the last 24 hours, newest last. */
  gaps24h: { start: string; end: string; reason: string }[];
  latest: string;
}

/** Recorder health of a camera, from the catalog and the newest segment's file (the recorder may be another process). */
export function cameraHealth(db: Db, dataDir: string, name: string, staleMs: number, nowMs = Date.now()): CameraHealth {
  const seg = lastSegment(db, name);
  const endMs = seg ? (seg.closed ? seg.endMs : Math.max(seg.endMs, fileEndMs(dataDir, seg.path) ?? seg.endMs)) : null;
  const written = seg ? fileEndMs(dataDir, seg.path) : null;
  return {
    name,
    recording: written !== null && nowMs - written < staleMs,
    lastSegment: seg && endMs !== null ? { start: iso(seg.startMs), end: iso(endMs), closed: seg.closed } : null,
    gaps24h: gapsOverlapping(db, name, { fromMs: nowMs - 86_400_000, toMs: nowMs }).map((g) => ({ start: iso(g.fromMs), end: iso(g.toMs), reason: g.reason })),
    latest: `/media/latest/${encodeURIComponent(name)}.jpg`,
  };
}

export interface Timeline {
  camera: string;
  from: string;
  to: string;
  /** What was recorded: runs of contiguous segments. */
  recorded: { start: string; end: string }[];
  /** Outages the recorder catalogued (reason: camera unreachable, recorder not running, …). */
  gaps: { start: string; end: string; reason: string }[];
  events: { id: string; start: string; end: string | null; labels: string[] }[];
}

/** What a camera recorded in [fromMs, toMs), its gaps and its events: the timeline bar of one day. */
export function timeline(db: Db, dataDir: string, camera: string, fromMs: number, toMs: number): Timeline {
  // An open segment's catalogued end is when it was opened: its file's modification time tells how far it reaches.
  const segments = segmentsOverlapping(db, camera, { fromMs, toMs });
  const runs: { fromMs: number; toMs: number }[] = [];
  for (const s of segments) {
    const end = s.closed ? s.endMs : Math.max(s.endMs, fileEndMs(dataDir, s.path) ?? s.endMs);
    if (end <= fromMs) continue;
    const last = runs[runs.length - 1];
    if (last && s.startMs - last.toMs <= GAP_TOLERANCE_MS) last.toMs = Math.max(last.toMs, end);
    else runs.push({ fromMs: s.startMs, toMs: end });
  }
  const events = db
    .prepare(
      `SELECT id, start_ms AS startMs, end_ms AS endMs, labels FROM events
       WHERE camera = ? AND start_ms < ? AND start_ms >= ? AND COALESCE(end_ms, start_ms) >= ? ORDER BY start_ms`,
    )
    .all(camera, toMs, fromMs - 86_400_000, fromMs) as { id: string; startMs: number; endMs: number | null; labels: string }[];
  const clamp = (ms: number) => iso(Math.min(toMs, Math.max(fromMs, ms)));
  return {
    camera,
    from: iso(fromMs),
    to: iso(toMs),
    recorded: runs.map((r) => ({ start: clamp(r.fromMs), end: clamp(r.toMs) })),
    gaps: gapsOverlapping(db, camera, { fromMs, toMs }).map((g) => ({ start: clamp(g.fromMs), end: clamp(g.toMs), reason: g.reason })),
    events: events.map((e) => ({
      id: e.id, start: iso(e.startMs), end: e.endMs === null ? null : iso(e.endMs), labels: JSON.parse(e.labels) as string[],
    })),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
