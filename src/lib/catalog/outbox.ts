import type { ClipRecord, EventRecord, SegmentRecord } from '../pipeline/records.js';
import type { Db } from './db.js';

/**
 * The outbox (table `outbox`): every piece of work `upload` accepted, written before anything else is done with
 * it, so work survives a crash, kill -9, reboot or storage outage. Items are claimed by a process, done, put back
 * for later (rescheduled), failed for this run, or abandoned for good (emergency pruning deleted what it reads:
 * abandonWork). States: pending | done | failed | abandoned. Besides the record it came from, each item keeps the camera, path
 * and time span the work reads, so others (retention) know what pending work needs without reading payloads.
 * All claim bookkeeping (owner, claim time, when a claim is stale) lives here and nowhere else.
 */

export type WorkKind = 'event' | 'file' | 'segment';

/** Event clips run before continuous segment backup. */
export const PRIORITY: Record<WorkKind, number> = { event: 2, file: 2, segment: 1 };

/**
 * Work offered to the outbox, keyed deterministically (the same work offered twice is one item): an event's `end`
 * (its clip), a camera's own clip file, or a closed segment (continuous backup).
 */
export type WorkRequest =
  | { key: string; kind: 'event'; payload: EventRecord }
  | { key: string; kind: 'file'; payload: ClipRecord }
  | { key: string; kind: 'segment'; payload: SegmentRecord };

/** What a work item reads: its camera, the recording or file (segment, file) and its span of time. */
export interface WorkSubject {
  camera: string;
  /** The segment (relative to dataDir) or the clip file (as given); null for an event. */
  path: string | null;
  /** Event: its start and its end (or, while no end is known, its last record's `at`); segment: its span; file: its `at`. */
  fromMs: number;
  toMs: number;
}

/** A claimed work item. */
export type WorkItem = WorkRequest & WorkSubject & {
  id: number;
  priority: number;
  /** Failed attempts so far (this run's, after resetFailed). */
  attempts: number;
  createdMs: number;
};

/** The subject of a work request (what the outbox keeps in its own columns). */
function subjectOf(w: WorkRequest): WorkSubject {
  switch (w.kind) {
    case 'event':
      return { camera: w.payload.camera, path: null, fromMs: Date.parse(w.payload.start), toMs: Date.parse(w.payload.end ?? w.payload.at) };
    case 'segment':
      return { camera: w.payload.camera, path: w.payload.path, fromMs: Date.parse(w.payload.start), toMs: Date.parse(w.payload.end) };
    case 'file':
      return { camera: w.payload.camera, path: w.payload.path, fromMs: Date.parse(w.payload.at), toMs: Date.parse(w.payload.at) };
  }
}

/** A claim older than this is taken over even when its process still lives (no item takes that long). */
const STALE_CLAIM_MS = 15 * 60_000;

/** Adds work unless an item with the same key exists (done or not). Returns whether it was added. */
export function enqueue(db: Db, w: WorkRequest, nowMs = Date.now()): boolean {
  const s = subjectOf(w);
  const r = db
    .prepare(
      `INSERT INTO outbox (key, kind, priority, payload, camera, path, from_ms, to_ms, next_attempt_ms, created_ms, updated_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
    )
    .run(w.key, w.kind, PRIORITY[w.kind], JSON.stringify(w.payload), s.camera, s.path, s.fromMs, s.toMs, nowMs, nowMs, nowMs);
  return r.changes > 0;
}

/**
 * Claims up to `limit` pending items that are due, highest priority first, for process `owner`. An item claimed by a
 * process that no longer exists (killed, crashed, rebooted) is taken over.
 */
export function claimDue(db: Db, owner: number, limit: number, nowMs = Date.now()): WorkItem[] {
  type Row = Omit<WorkItem, 'payload'> & { payload: string; owner: number | null; claimedMs: number | null };
  return db.transaction(() => {
    const rows = db
      .prepare(
        `SELECT id, key, kind, priority, payload, camera, path, from_ms AS fromMs, to_ms AS toMs, attempts, created_ms AS createdMs,
           owner, claimed_ms AS claimedMs
         FROM outbox WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY priority DESC, next_attempt_ms, id`,
      )
      .all(nowMs) as Row[];
    const claim = db.prepare('UPDATE outbox SET owner = ?, claimed_ms = ? WHERE id = ?');
    const out: WorkItem[] = [];
    for (const { owner: held, claimedMs, payload, ...r } of rows) {
      if (out.length >= limit) break;
      const free = held === null || (held !== owner && (!alive(held) || nowMs - (claimedMs ?? 0) > STALE_CLAIM_MS));
      if (!free) continue;
      claim.run(owner, nowMs, r.id);
      out.push({ ...r, payload: JSON.parse(payload) } as WorkItem);
    }
    return out;
  }).immediate();
}

/** When the next pending item is due (ms), or null when nothing is pending. */
export function nextDueMs(db: Db): number | null {
  const row = db.prepare(`SELECT MIN(next_attempt_ms) AS t FROM outbox WHERE state = 'pending'`).get() as { t: number | null };
  return row.t;
}

export function markDone(db: Db, id: number, note: string | null = null): void {
  db.prepare(`UPDATE outbox SET state = 'done', owner = NULL, last_error = ?, updated_ms = ? WHERE id = ?`).run(note, Date.now(), id);
}

/** Puts an item back for later: `atMs` is when to try again; `error` (when not null) counts an attempt and is recorded. */
export function reschedule(db: Db, id: number, atMs: number, error: string | null): void {
  db.prepare(
    `UPDATE outbox SET owner = NULL, next_attempt_ms = ?, attempts = attempts + ?, last_error = COALESCE(?, last_error), updated_ms = ?
     WHERE id = ?`,
  ).run(Math.round(atMs), error === null ? 0 : 1, error, Date.now(), id);
}

/** Gives up on an item for this run; the next `cctv upload` tries it again (resetFailed). */
export function markFailed(db: Db, id: number, error: string): void {
  db.prepare(`UPDATE outbox SET state = 'failed', owner = NULL, last_error = ?, updated_ms = ? WHERE id = ?`).run(error, Date.now(), id);
}

/** At the start of a run, failed items get their attempts back. Returns how many. */
export function resetFailed(db: Db): number {
  return db.prepare(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ? WHERE state = 'failed'`).run(Date.now()).changes;
}

/** Releases this process's claims (on shutdown), so another run can take them at once. */
export function releaseClaims(db: Db, owner: number): void {
  db.prepare('UPDATE outbox SET owner = NULL WHERE owner = ?').run(owner);
}

/**
 * Gives up on unfinished items for good (state `abandoned`, never claimed again, `last_error` says why): emergency
 * pruning deleted recordings they read, because recording always wins over stuck work. Returns how many.
 */
export function abandonWork(db: Db, ids: readonly number[], reason: string): number {
  const stmt = db.prepare(`UPDATE outbox SET state = 'abandoned', owner = NULL, last_error = ?, updated_ms = ? WHERE id = ? AND state IN ('pending', 'failed')`);
  let n = 0;
  for (const id of ids) n += stmt.run(reason, Date.now(), id).changes;
  return n;
}

/**
 * The unfinished items (pending or failed) that read recording `path` of `camera` spanning [startMs, endMs): its
 * segment backup, and events whose span widened by `preMs`/`postMs` (clips/window eventWindow) overlaps it.
 */
export function unfinishedWorkReading(db: Db, s: { camera: string; path: string; startMs: number; endMs: number }, preMs: number, postMs: number): number[] {
  return db
    .prepare(
      `SELECT id FROM outbox WHERE state IN ('pending', 'failed') AND (
         (kind = 'segment' AND path = ?) OR (kind = 'event' AND camera = ? AND from_ms - ? < ? AND max(from_ms, to_ms) + ? > ?))`,
    )
    .pluck()
    .all(s.path, s.camera, preMs, s.endMs, postMs, s.startMs) as number[];
}

/**
 * Work that does not move (for doctor and record's status): failed items (they failed every attempt of a run),
 * pending ones that failed at least `retriedAtLeast` times in a row, and abandoned ones; with a few examples.
 */
export function stuckWork(db: Db, retriedAtLeast = 5): { failed: number; retrying: number; abandoned: number; examples: { key: string; state: string; error: string | null }[] } {
  const counts = db
    .prepare(
      `SELECT sum(state = 'failed') AS failed, sum(state = 'pending' AND attempts >= ?) AS retrying, sum(state = 'abandoned') AS abandoned FROM outbox
       WHERE state IN ('failed', 'abandoned') OR (state = 'pending' AND attempts >= ?)`,
    )
    .get(retriedAtLeast, retriedAtLeast) as { failed: number | null; retrying: number | null; abandoned: number | null };
  const examples = db
    .prepare(
      `SELECT key, state, last_error AS error FROM outbox WHERE state IN ('failed', 'abandoned') OR (state = 'pending' AND attempts >= ?)
       ORDER BY updated_ms DESC LIMIT 3`,
    )
    .all(retriedAtLeast) as { key: string; state: string; error: string | null }[];
  return { failed: counts.failed ?? 0, retrying: counts.retrying ?? 0, abandoned: counts.abandoned ?? 0, examples };
}

/** stuckWork's counts in words (`2 failed, 1 retried 5+ times, 3 abandoned`), empty when nothing is stuck. */
export function describeStuck(s: { failed: number; retrying: number; abandoned: number }): string {
  return [s.failed && `${s.failed} failed`, s.retrying && `${s.retrying} retried 5+ times`, s.abandoned && `${s.abandoned} abandoned`].filter(Boolean).join(', ');
}

export function outboxCounts(db: Db): { pending: number; failed: number; done: number } {
  const rows = db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[];
  const n = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
  return { pending: n('pending'), failed: n('failed'), done: n('done') };
}

/**
 * What unfinished work (pending, claimed, or failed: failed work is retried by the next run) will read: the events
 * whose clips are still to be cut (camera and the event's span; the clip window is widened by pre/post-roll, see
 * clips/window.ts eventWindow) and the segments still to be backed up.
 */
export function unfinishedReads(db: Db): { events: { camera: string; fromMs: number; toMs: number }[]; segmentPaths: Set<string> } {
  const rows = db
    .prepare(
      `SELECT kind, camera, path, from_ms AS fromMs, to_ms AS toMs FROM outbox
       WHERE state IN ('pending', 'failed') AND kind IN ('event', 'segment')`,
    )
    .all() as ({ kind: 'event' | 'segment'; path: string | null } & Omit<WorkSubject, 'path'>)[];
  const events: { camera: string; fromMs: number; toMs: number }[] = [];
  const segmentPaths = new Set<string>();
  for (const r of rows) {
    if (r.kind === 'segment' && r.path) segmentPaths.add(r.path);
    if (r.kind === 'event') events.push({ camera: r.camera, fromMs: r.fromMs, toMs: r.toMs });
  }
  return { events, segmentPaths };
}

/** Every camera clip file the outbox took (drop folders, FILE arguments), with its `at` and whether it is stored. */
export function clipFiles(db: Db): { camera: string; path: string; atMs: number; stored: boolean }[] {
  const rows = db
    .prepare(`SELECT camera, path, from_ms AS atMs, state FROM outbox WHERE kind = 'file'`)
    .all() as { camera: string; path: string; atMs: number; state: string }[];
  return rows.map(({ state, ...r }) => ({ ...r, stored: state === 'done' }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
