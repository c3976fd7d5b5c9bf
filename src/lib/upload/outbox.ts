import type { Db } from '../catalog/db.js';
import type { EventRecord } from '../pipeline/records.js';

/**
 * The catalog side of `upload`: the events table (open and closed events), the outbox (every accepted piece of
 * work, written before anything else is done with it, so work survives a crash, kill -9, reboot or storage
 * outage), and the uploads table (what was stored, read by search, serve and prune).
 */

export type WorkKind = 'event' | 'file' | 'segment';

/** Event clips run before continuous segment backup. */
export const PRIORITY: Record<WorkKind, number> = { event: 2, file: 2, segment: 1 };

export interface WorkItem {
  id: number;
  /** Deterministic: the same work offered twice is one item. */
  key: string;
  kind: WorkKind;
  priority: number;
  /** The pipeline record the work came from. */
  payload: Record<string, unknown>;
  attempts: number;
  createdMs: number;
}

/** A claim older than this is taken over even when its process still lives (no item takes that long). */
const STALE_CLAIM_MS = 15 * 60_000;

/** Records an event record's latest state (start, update or end) in the events table. */
export function recordEvent(db: Db, ev: EventRecord): void {
  db.prepare(
    `INSERT INTO events (id, camera, state, start_ms, end_ms, labels, source, topic, updated_ms)
     VALUES (@id, @camera, @state, @startMs, @endMs, @labels, @source, @topic, @now)
     ON CONFLICT(id) DO UPDATE SET state = excluded.state, start_ms = excluded.start_ms,
       end_ms = COALESCE(excluded.end_ms, events.end_ms), labels = excluded.labels, topic = excluded.topic,
       updated_ms = excluded.updated_ms
     WHERE events.state <> 'end' OR excluded.state = 'end'`,
  ).run({
    id: ev.id, camera: ev.camera, state: ev.state, startMs: Date.parse(ev.start), endMs: ev.end ? Date.parse(ev.end) : null,
    labels: JSON.stringify(ev.labels), source: ev.source, topic: ev.topic ?? null, now: Date.now(),
  });
}

/** Adds work unless an item with the same key exists (done or not). Returns whether it was added. */
export function enqueue(db: Db, item: { key: string; kind: WorkKind; payload: object }, nowMs = Date.now()): boolean {
  const r = db
    .prepare(
      `INSERT INTO outbox (key, kind, priority, payload, next_attempt_ms, created_ms, updated_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
    )
    .run(item.key, item.kind, PRIORITY[item.kind], JSON.stringify(item.payload), nowMs, nowMs, nowMs);
  return r.changes > 0;
}

/**
 * Claims up to `limit` pending items that are due, highest priority first, for process `owner`. An item claimed by a
 * process that no longer exists (killed, crashed, rebooted) is taken over.
 */
export function claimDue(db: Db, owner: number, limit: number, nowMs = Date.now()): WorkItem[] {
  return db.transaction(() => {
    const rows = db
      .prepare(
        `SELECT id, key, kind, priority, payload, attempts, created_ms AS createdMs, owner, claimed_ms AS claimedMs FROM outbox
         WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY priority DESC, next_attempt_ms, id`,
      )
      .all(nowMs) as (Omit<WorkItem, 'payload'> & { payload: string; owner: number | null; claimedMs: number | null })[];
    const claim = db.prepare('UPDATE outbox SET owner = ?, claimed_ms = ? WHERE id = ?');
    const out: WorkItem[] = [];
    for (const { owner: held, claimedMs, payload, ...r } of rows) {
      if (out.length >= limit) break;
      const free = held === null || (held !== owner && (!alive(held) || nowMs - (claimedMs ?? 0) > STALE_CLAIM_MS));
      if (!free) continue;
      claim.run(owner, nowMs, r.id);
      out.push({ ...r, payload: JSON.parse(payload) as Record<string, unknown> });
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

/** Puts an item back for later: `atMs` is when to try again; `failed` counts an attempt and records the error. */
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

export function outboxCounts(db: Db): { pending: number; failed: number; done: number } {
  const rows = db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[];
  const n = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
  return { pending: n('pending'), failed: n('failed'), done: n('done') };
}

/** A stored object, as the uploads table keeps it. */
export interface UploadRow {
  key: string;
  url: string;
  kind: 'clip' | 'segment';
  eventId: string | null;
  camera: string;
  startMs: number;
  endMs: number;
  bytes: number;
  sha256: string;
  poster: string | null;
  manifest: string | null;
  partial: boolean;
}

/** Records what was stored; the same key again replaces the row (a retry overwrote the object). */
export function saveUpload(db: Db, u: UploadRow): void {
  db.prepare(
    `INSERT OR REPLACE INTO uploads (key, url, kind, event_id, camera, start_ms, end_ms, bytes, sha256, poster, manifest, partial, uploaded_ms)
     VALUES (@key, @url, @kind, @eventId, @camera, @startMs, @endMs, @bytes, @sha256, @poster, @manifest, @partial, @now)`,
  ).run({ ...u, startMs: Math.round(u.startMs), endMs: Math.round(u.endMs), partial: u.partial ? 1 : 0, now: Date.now() });
}

export function findUpload(db: Db, key: string): UploadRow | undefined {
  const row = db
    .prepare(
      `SELECT key, url, kind, event_id AS eventId, camera, start_ms AS startMs, end_ms AS endMs, bytes, sha256, poster, manifest, partial
       FROM uploads WHERE key = ?`,
    )
    .get(key) as (Omit<UploadRow, 'partial'> & { partial: number }) | undefined;
  return row ? { ...row, partial: row.partial === 1 } : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
