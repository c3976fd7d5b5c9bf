/**
 * How the DynamoDB event catalog lays its items out (one table, see table.ts), pure and table-tested
 * (test/catalog/dynamodb-keys.test.ts). Every item of a site lives in the partition `pk = <site>`; its `sk` says what
 * it is:
 *   e|<id>                                   an event (id `1<eventId>`) or a plain clip (id `0<clipKey>`)
 *   k|<clipKey>                              a stored clip, by its key inside the site (the media routes' lookup)
 *   r|<camera>|<start:15>|<path>             a recording
 *   g|<camera>|<to:15>|<from:15>             an outage of the recorder (by its end: "ends after" is one range)
 * Events and plain clips also carry the list keys of two indexes: `lpk = <site>` (every camera) and
 * `cpk = <site>|<camera>` (one camera), both sorted by `lsk = <inverted start:15>|<id>`: ascending order is newest
 * first, and items with the same start come plain clips first, then by event id (the SQLite catalog's order).
 * Numbers are zero-padded to 15 digits (ms until the year 33658), so string order is numeric order. Cameras are
 * URI-encoded inside keys (a `|` in a name cannot break them).
 */

const WIDTH = 15;
const MAX = 10 ** WIDTH - 1;

/** `1714564800000` → `001714564800000`. */
export const padMs = (ms: number): string => String(Math.max(0, Math.min(MAX, Math.floor(ms)))).padStart(WIDTH, '0');

/** Descending order as ascending strings: a later time gives a smaller string. */
export const invMs = (ms: number): string => padMs(MAX - Math.max(0, Math.min(MAX, Math.floor(ms))));

/** Sorts after every key that starts with the same prefix (U+FFFF is above any character a key holds). */
export const AFTER = '\uffff';

const cam = (camera: string) => encodeURIComponent(camera);

/** The id part of an entry: `0<clipKey>` for a plain clip (NULL event ids come first), `1<eventId>` for an event. */
export const entryId = (eventId: string | null, clipKey: string | null): string => (eventId !== null ? `1${eventId}` : `0${clipKey ?? ''}`);

export const entrySk = (id: string): string => `e|${id}`;
export const clipSk = (key: string): string => `k|${key}`;
export const cameraPk = (site: string, camera: string): string => `${site}|${cam(camera)}`;
export const listSk = (startMs: number, id: string): string => `${invMs(startMs)}|${id}`;

/** A user's review mark of an item (an event id, or a plain clip's key: event-catalog.ts reviewId). */
export const reviewPrefix = (user: string): string => `v|${encodeURIComponent(user)}|`;
export const reviewSk = (user: string, item: string): string => `${reviewPrefix(user)}${item}`;

export const recordingPrefix = (camera: string): string => `r|${cam(camera)}|`;
export const recordingSk = (camera: string, startMs: number, path: string): string => `${recordingPrefix(camera)}${padMs(startMs)}|${path}`;
export const gapPrefix = (camera: string): string => `g|${cam(camera)}|`;
export const gapSk = (camera: string, fromMs: number, toMs: number): string => `${gapPrefix(camera)}${padMs(toMs)}|${padMs(fromMs)}`;

/**
 * The `lsk` range of the items whose start is in [sinceMs, untilMs) (either bound optional), as an inclusive
 * BETWEEN: newest first, so `until` gives the low end and `since` the high one.
 */
export function startRange(sinceMs?: number, untilMs?: number): { lo: string; hi: string } {
  return {
    lo: untilMs === undefined ? '' : invMs(untilMs - 1),
    hi: `${sinceMs === undefined ? invMs(0) : invMs(sinceMs)}|${AFTER}`,
  };
}

/** An opaque page cursor: the `lsk` of the last item shown, base64url. */
export const encodeCursor = (lsk: string): string => Buffer.from(lsk, 'utf8').toString('base64url');

/** The `lsk` of a cursor, or null when it is not one this catalog gave out. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) return null;
  const lsk = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^\d{15}\|[01]./s.test(lsk) ? lsk : null;
}

/**
 * Pure: an S3 event's `sequencer` made comparable as a string. AWS: "the sequencers can be of different lengths. So to
 * compare these values, first left pad the shorter value with zeros, and then do a lexicographical comparison"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html). Upper-cased hex,
 * left-padded to 32 digits; null when it is not hex.
 */
export function normaliseSequencer(sequencer: string): string | null {
  return /^[0-9A-Fa-f]{1,32}$/.test(sequencer) ? sequencer.toUpperCase().padStart(32, '0') : null;
}
