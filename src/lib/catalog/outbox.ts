import type { AlertDelivery } from './alerts.js';
import type { ClipRecord, EventRecord, SegmentRecord, UploadedRecord } from '../pipeline/records.js';
import type { Db } from './db.js';

/**
 * The outbox (table `outbox`): the durable work of every stage, written before anything is done with it, so work
 * survives a crash, kill -9, reboot or outage. Three queues: `upload` (what `cctv upload` accepted: event clips,
 * camera clip files, continuous backup), `analyze` (stored clips to analyse) and `alert` (one delivery per alert and
 * sink). An item is claimed by a worker (catalog/workers.ts: a random id per process run with a heartbeat; a gone
 * worker's claims are released), then done, put back for later (rescheduled), failed for this run, or abandoned for
 * good (emergency pruning deleted what it reads: abandonWork). States: pending | done | failed | abandoned.
 *
 * Finished work whose output still has to be delivered keeps that output in `result` (saveResult) until it is
 * delivered and the item marked done: a kill in between re-delivers it (at least once) and never redoes the work.
 * Completions name their owner and do nothing when the claim was taken over meanwhile.
 *
 * Besides its payload, each item keeps the camera, path and time span the work reads, so others (retention) know
 * what pending work needs without reading payloads. Claims take one item at a time through a partial index
 * (`outbox_claim`: pending and unclaimed, by queue and priority), so a claim costs the same with 30,000 items queued.
 */

export type Queue = 'upload' | 'analyze' | 'alert';
export type WorkKind = 'event' | 'file' | 'segment' | 'analysis' | 'alert';

/** Which queue works each kind. */
export const QUEUE_OF: Record<WorkKind, Queue> = { event: 'upload', file: 'upload', segment: 'upload', analysis: 'analyze', alert: 'alert' };
/** Event clips run before continuous segment backup. */
export const PRIORITY: Record<WorkKind, number> = { event: 2, file: 2, segment: 1, analysis: 2, alert: 2 };

/**
 * Work offered to the outbox, keyed deterministically (the same work offered twice is one item): an event's `end`
 * (its clip), a camera's own clip file, a closed segment (continuous backup), a stored clip's analysis, an alert's
 * delivery to one sink.
 */
export type WorkRequest =
  | { key: string; kind: 'event'; payload: EventRecord }
  | { key: string; kind: 'file'; payload: ClipRecord }
  | { key: string; kind: 'segment'; payload: SegmentRecord }
  | { key: string; kind: 'analysis'; payload: UploadedRecord }
  | { key: string; kind: 'alert'; payload: AlertDelivery };

/** What a work item reads: its camera, the recording or file (segment, file) and its span of time. */
export interface WorkSubject {
  camera: string;
  /** The segment (relative to dataDir) or the clip file (as given); null for the other kinds. */
  path: string | null;
  /** Event: its start and its end (or, while no end is known, its last record's `at`); segment, analysis: its span; file: its `at`; alert: its time. */
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
  /** What the finished work produced, when it was saved but not yet delivered (saveResult); else null. */
  result: unknown;
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
    case 'analysis':
      return { camera: w.payload.camera, path: null, fromMs: Date.parse(w.payload.start), toMs: Date.parse(w.payload.end) };
    case 'alert':
      return { camera: w.payload.alert.camera, path: null, fromMs: Date.parse(w.payload.alert.at), toMs: Date.parse(w.payload.alert.at) };
  }
}

/** Adds work unless an item with the same key exists (done or not). Returns whether it was added. */
export function enqueue(db: Db, w: WorkRequest, nowMs = Date.now()): boolean {
  const s = subjectOf(w);
  const r = db
    .prepare(
      `INSERT INTO outbox (key, queue, kind, priority, payload, camera, path, from_ms, to_ms, next_attempt_ms, created_ms, updated_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
    )
    .run(w.key, QUEUE_OF[w.kind], w.kind, PRIORITY[w.kind], JSON.stringify(w.payload), s.camera, s.path, s.fromMs, s.toMs, nowMs, nowMs, nowMs);
  return r.changes > 0;
}

const ITEM_COLUMNS = `id, key, kind, priority, payload, result, camera, path, from_ms AS fromMs, to_ms AS toMs, attempts, created_ms AS createdMs`;
type Row = Omit<WorkItem, 'payload' | 'result'> & { payload: string; result: string | null };
const toItem = ({ payload, result, ...r }: Row): WorkItem => ({ ...r, payload: JSON.parse(payload), result: result === null ? null : JSON.parse(result) }) as WorkItem;

/**
 * Claims the next due item of `queue` for worker `owner` (highest priority, then the longest due, then the oldest),
 * or undefined. One statement walking `outbox_claim` in its order (INDEXED BY: left to itself, the planner prefers
 * `outbox_state` and sorts every pending row, per claim): its cost does not grow with the queue. `createdBeforeMs`: only items created
 * before then (analyze leaves newer ones to the stdin path of the pipeline, see analyze/queue.ts).
 */
export function claimNext(db: Db, queue: Queue, owner: string, nowMs = Date.now(), createdBeforeMs?: number): WorkItem | undefined {
  const row = db
    .prepare(
      `UPDATE outbox SET owner = @owner, claimed_ms = @now WHERE id = (
         SELECT id FROM outbox INDEXED BY outbox_claim WHERE queue = @queue AND state = 'pending' AND owner IS NULL AND next_attempt_ms <= @now
           AND created_ms <= @createdBefore
         ORDER BY priority DESC, next_attempt_ms, id LIMIT 1)
       RETURNING ${ITEM_COLUMNS}`,
    )
    .get({ owner, now: nowMs, queue, createdBefore: createdBeforeMs ?? Number.MAX_SAFE_INTEGER }) as Row | undefined;
  return row && toItem(row);
}

/** Claims up to `limit` due items of `queue` (claimNext, repeated). */
export function claimDue(db: Db, queue: Queue, owner: string, limit: number, nowMs = Date.now()): WorkItem[] {
  const out: WorkItem[] = [];
  for (let item; out.length < limit && (item = claimNext(db, queue, owner, nowMs)); ) out.push(item);
  return out;
}

/** Claims the item of `key` if it is pending and unclaimed (whenever it is due), else undefined. */
export function claimKey(db: Db, key: string, owner: string, nowMs = Date.now()): WorkItem | undefined {
  const row = db
    .prepare(`UPDATE outbox SET owner = ?, claimed_ms = ? WHERE key = ? AND state = 'pending' AND owner IS NULL RETURNING ${ITEM_COLUMNS}`)
    .get(owner, nowMs, key) as Row | undefined;
  return row && toItem(row);
}

/** The state of the item of `key`, who claims it and the result it kept, or undefined when there is none. */
export function itemState(db: Db, key: string): { state: string; owner: string | null; result: unknown } | undefined {
  const row = db.prepare('SELECT state, owner, result FROM outbox WHERE key = ?').get(key) as { state: string; owner: string | null; result: string | null } | undefined;
  return row && { ...row, result: row.result === null ? null : JSON.parse(row.result) };
}

/** When the next unclaimed pending item of `queue` is due (ms), or null when there is none. */
export function nextDueMs(db: Db, queue: Queue): number | null {
  const row = db
    .prepare(`SELECT MIN(next_attempt_ms) AS t FROM outbox WHERE queue = ? AND state = 'pending' AND owner IS NULL`)
    .get(queue) as { t: number | null };
  return row.t;
}

/**
 * Keeps what finished work produced (JSON) with its item, still pending and claimed, until it is delivered and the
 * item marked done. False when `owner` no longer holds the claim.
 */
export function saveResult(db: Db, id: number, owner: string, result: unknown): boolean {
  return db.prepare('UPDATE outbox SET result = ?, updated_ms = ? WHERE id = ? AND owner = ?').run(JSON.stringify(result), Date.now(), id, owner).changes === 1;
}

/** Marks `owner`'s item done. False when `owner` no longer holds the claim (it was taken over). */
export function markDone(db: Db, id: number, owner: string, note: string | null = null): boolean {
  return db
    .prepare(`UPDATE outbox SET state = 'done', owner = NULL, last_error = ?, updated_ms = ? WHERE id = ? AND owner = ?`)
    .run(note, Date.now(), id, owner).changes === 1;
}

/**
 * Puts `owner`'s item back for later: `atMs` is when to try again; `error` (when not null) counts an attempt and
 * is recorded. False when `owner` no longer holds the claim.
 */
export function reschedule(db: Db, id: number, owner: string, atMs: number, error: string | null): boolean {
  return db
    .prepare(
      `UPDATE outbox SET owner = NULL, next_attempt_ms = ?, attempts = attempts + ?, last_error = COALESCE(?, last_error), updated_ms = ?
       WHERE id = ? AND owner = ?`,
    )
    .run(Math.round(atMs), error === null ? 0 : 1, error, Date.now(), id, owner).changes === 1;
}

/** Gives up on `owner`'s item for this run; the next run of its queue tries it again (resetFailed). */
export function markFailed(db: Db, id: number, owner: string, error: string): boolean {
  return db
    .prepare(`UPDATE outbox SET state = 'failed', owner = NULL, last_error = ?, updated_ms = ? WHERE id = ? AND owner = ?`)
    .run(error, Date.now(), id, owner).changes === 1;
}

/** At the start of a run, the failed items of `queue` get their attempts back. Returns how many. */
export function resetFailed(db: Db, queue: Queue): number {
  return db
    .prepare(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ? WHERE queue = ? AND state = 'failed'`)
    .run(Date.now(), queue).changes;
}

/** Releases `owner`'s claims (a clean stop, or a worker found gone), so another run can take them at once. */
export function releaseClaims(db: Db, owner: string): void {
  db.prepare('UPDATE outbox SET owner = NULL, claimed_ms = NULL WHERE owner = ?').run(owner);
}

/** Releases every claim whose owner is not a registered worker (see workers.ts sweepWorkers). */
export function releaseUnownedClaims(db: Db): number {
  return db
    .prepare(`UPDATE outbox SET owner = NULL, claimed_ms = NULL WHERE owner IS NOT NULL AND owner NOT IN (SELECT id FROM workers)`)
    .run().changes;
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

/** How many items of `queue` are in each state (pending includes claimed ones). */
export function outboxCounts(db: Db, queue: Queue = 'upload'): { pending: number; failed: number; done: number } {
  const rows = db.prepare('SELECT state, COUNT(*) AS n FROM outbox WHERE queue = ? GROUP BY state').all(queue) as { state: string; n: number }[];
  const n = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
  return { pending: n('pending'), failed: n('failed'), done: n('done') };
}

/** Pending items of `queue` (claimed or not), counted through the index. */
export function pendingCount(db: Db, queue: Queue): number {
  return db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE queue = ? AND state = 'pending'`).pluck().get(queue) as number;
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

/**
 * Removes finished items (done, abandoned) last changed before `beforeMs`, in short transactions; a camera clip
 * file's item only once `fileGone(path)` (until then prune reads it to know the file is stored). Returns how many.
 */
export function pruneFinished(db: Db, beforeMs: number, fileGone: (path: string) => boolean): number {
  const rows = db
    .prepare(`SELECT id, kind, path FROM outbox WHERE state IN ('done', 'abandoned') AND updated_ms < ?`)
    .all(beforeMs) as { id: number; kind: WorkKind; path: string | null }[];
  const ids = rows.filter((r) => r.kind !== 'file' || r.path === null || fileGone(r.path)).map((r) => r.id);
  const remove = db.prepare('DELETE FROM outbox WHERE id = ?');
  for (let i = 0; i < ids.length; i += 500) {
    db.transaction(() => {
      for (const id of ids.slice(i, i + 500)) remove.run(id);
    }).immediate();
  }
  return ids.length;
}
