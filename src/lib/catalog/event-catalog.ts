import type { Span } from '../time.js';
import type { TimelineEvent } from './events.js';
import type { GapRow, SegmentRow } from './segments.js';

/**
 * What the web app reads of the catalog: the events list (filters, pages), the cameras' recordings and outages, the
 * timeline, and stored media by key; and the one thing it writes, review marks (per user). One small interface, so that another store can serve the same app: the SQLite
 * catalog (sqlite-event-catalog.ts) implements it, and every implementation passes the one conformance suite
 * (test/catalog/event-catalog.conformance.ts, describeEventCatalog). Nothing in it is SQL: every method is a lookup
 * by camera, time or key that a key-value store with one secondary index can answer, pages go by an opaque cursor,
 * and every method is async. Times are ms since the epoch; spans are [fromMs, toMs).
 */
export interface EventCatalog {
  /**
   * Events and plain clips (a camera's own clip stored without an event), newest first by start, one page of at most
   * `limit`. Items that share a start come in a fixed order, so paging never repeats or skips one. Filters: see
   * EventQuery. Rejects with CursorError when `cursor` is not the `next` of a page.
   */
  listEvents(query: EventQuery): Promise<EventPage>;

  /**
   * Marks (`reviewed` true) or unmarks items as reviewed by `user`: an item is an event id, or the clip key of a plain
   * clip (reviewId). Idempotent; items it does not know are kept all the same (the event may arrive later), and
   * unmarking an unmarked item does nothing.
   */
  setReviewed(user: string, items: string[], reviewed: boolean): Promise<void>;

  /** The newest recording of a camera by start (the one being written, while recording), or null when it has none. */
  lastRecording(camera: string): Promise<SegmentRow | null>;

  /**
   * The recordings of a camera that overlap `span`, oldest first. The one still being written is included from its
   * start whatever its catalogued end (that end lags the file; callers that need how far it reaches look at it).
   */
  recordings(camera: string, span: Span): Promise<SegmentRow[]>;

  /** The outages the recorder catalogued for a camera that overlap `span`, oldest first. */
  gaps(camera: string, span: Span): Promise<GapRow[]>;

  /**
   * The events of a camera that overlap `span`, oldest first, with the labels the camera reported. An open event (no
   * end yet) is included when it starts inside the span; events that started more than a day (EVENT_LOOKBACK_MS)
   * before the span are not looked for. `reviewed` is `reviewer`'s mark (false without a reviewer).
   */
  cameraEvents(camera: string, span: Span, reviewer?: string): Promise<ReviewedTimelineEvent[]>;

  /** A stored clip by its storage key (the media routes' only way to a stored object), or null. */
  storedClip(key: string): Promise<StoredClip | null>;
}

export interface EventQuery {
  /** Any of them (OR); empty: every camera. */
  cameras: string[];
  /** All of them (AND): each a label the detector found or the camera itself reported. */
  labels: string[];
  /** Inclusive lower bound of the start. */
  sinceMs?: number;
  /** Exclusive upper bound of the start. */
  untilMs?: number;
  /** At least 1. */
  limit: number;
  /** The `next` of the previous page (asked with the same filters): this page continues where that one ended. */
  cursor?: string;
  /** The user whose review marks `reviewed` reports (false for every item without one). */
  reviewer?: string;
  /** Only items `reviewer` has not marked reviewed. */
  unreviewed?: boolean;
}

/** A label found on an event or clip: by the detector (with its confidence), or reported by the camera itself. */
export interface FoundLabel {
  name: string;
  /** The detector's best confidence (0..1), or null for a label only the camera reported. */
  confidence: number | null;
  source: 'detector' | 'camera';
}

/**
 * Pure: the labels of an event or clip as lists show them: the detector's (best confidence per label), most confident
 * first (then by name), then the labels only the camera reported, in its order.
 */
export function foundLabels(detected: readonly { name: string; confidence: number }[], camera: readonly string[]): FoundLabel[] {
  const out: FoundLabel[] = [...detected]
    .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name))
    .map((l) => ({ name: l.name, confidence: l.confidence, source: 'detector' }));
  for (const name of camera) if (!out.some((l) => l.name === name)) out.push({ name, confidence: null, source: 'camera' });
  return out;
}

/** An event or a plain clip, as lists show it. */
export interface EventBasics {
  /** The event's id; null for a plain clip. */
  eventId: string | null;
  camera: string;
  startMs: number;
  /** Null while the event is open. */
  endMs: number | null;
  /** Detector labels, most confident first, then the labels only the camera reported. */
  labels: FoundLabel[];
}

export interface EventSummary extends EventBasics {
  /** The storage key of its stored clip (or, with `upload.mode: segment`, of its first stored segment); null until stored. */
  clipKey: string | null;
  /** Whether a poster is stored with it (served by the clip's key). */
  hasPoster: boolean;
  /** Marked reviewed by the query's reviewer. */
  reviewed: boolean;
}

/** An event on a camera's timeline, with the reviewer's mark. */
export interface ReviewedTimelineEvent extends TimelineEvent {
  reviewed: boolean;
}

/** What review marks are kept by: the event id, or the clip key of a plain clip. */
export const reviewId = (item: Pick<EventSummary, 'eventId' | 'clipKey'>): string => item.eventId ?? item.clipKey!;

export interface EventPage {
  events: EventSummary[];
  /** The cursor of the next (older) page; null when this is the last. */
  next: string | null;
}

/** A stored clip as the media routes need it. */
export interface StoredClip {
  key: string;
  /** Storage URLs of the clip and its poster. */
  url: string;
  poster: string | null;
  camera: string;
  startMs: number;
}

/** A cursor that no page of this catalog gave out. */
export class CursorError extends Error {
  override name = 'CursorError';
}
