import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import type { Db } from './db.js';
import { releaseClaims, releaseUnownedClaims } from './outbox.js';

/**
 * The processes working the catalog's queues (table `workers`): each run of a command that claims work registers a
 * random id and keeps a heartbeat. A claim (outbox.owner) belongs to a worker id, never to a PID: PIDs repeat across
 * containers and reboots, so a new process with its predecessor's PID would otherwise never take its work over.
 *
 * A worker is gone when its heartbeat is older than STALE_MS, or at once when it ran on this machine (same boot and
 * PID namespace) and its PID no longer exists (kill -9, a crash). A PID that exists proves nothing (it may be
 * reused), so a live-looking PID only waits for the heartbeat to go stale. Gone workers are removed and their claims
 * released (sweepWorkers), so the next process takes the work over.
 */

/** How often a worker writes its heartbeat. */
export const HEARTBEAT_MS = 5_000;
/** A worker whose heartbeat is older than this is gone (6 missed heartbeats: a blocked event loop is not death). */
export const STALE_MS = 30_000;

export interface WorkerRow {
  id: string;
  command: string;
  pid: number;
  host: string;
  machine: string;
  role: string | null;
  startedMs: number;
  heartbeatMs: number;
}

/** Where a PID means something: this boot of this kernel, this PID namespace. */
export function thisMachine(): string {
  const read = (f: () => string) => {
    try {
      return f().trim();
    } catch {
      return '?';
    }
  };
  return `${read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'))}/${read(() => readlinkSync('/proc/self/ns/pid'))}`;
}

/** Pure: whether worker `w` is gone at `nowMs`, seen from `machine` (`pidExists` asks the kernel). */
export function workerGone(w: Pick<WorkerRow, 'machine' | 'pid' | 'heartbeatMs'>, nowMs: number, machine: string, pidExists: (pid: number) => boolean): boolean {
  if (nowMs - w.heartbeatMs > STALE_MS) return true;
  return w.machine === machine && !w.machine.includes('?') && !pidExists(w.pid);
}

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Registers a new worker for `command` (after sweeping gone ones) and returns its id. */
export function registerWorker(db: Db, command: string, nowMs = Date.now()): string {
  const id = `${command}-${randomBytes(8).toString('hex')}`;
  db.transaction(() => {
    sweepWorkers(db, nowMs);
    db.prepare(
      `INSERT INTO workers (id, command, pid, host, machine, role, started_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)`,
    ).run(id, command, process.pid, os.hostname(), thisMachine(), nowMs, nowMs);
  }).immediate();
  return id;
}

/**
 * Writes the worker's heartbeat and sweeps gone workers. Returns false when the row was gone (swept by another
 * process that took this one for dead: a very long stall); it is then written again, and the caller's claims may
 * have been taken over (completions check their ownership, outbox.ts).
 */
export function heartbeat(db: Db, id: string, command: string, nowMs = Date.now()): boolean {
  return db.transaction(() => {
    const alive = db.prepare('UPDATE workers SET heartbeat_ms = ? WHERE id = ?').run(nowMs, id).changes === 1;
    if (!alive) {
      db.prepare(`INSERT INTO workers (id, command, pid, host, machine, role, started_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)`)
        .run(id, command, process.pid, os.hostname(), thisMachine(), nowMs, nowMs);
    }
    sweepWorkers(db, nowMs);
    return alive;
  }).immediate();
}

/** Removes a worker (a clean stop) and gives back whatever it still claims. */
export function retireWorker(db: Db, id: string): void {
  db.transaction(() => {
    db.prepare('DELETE FROM workers WHERE id = ?').run(id);
    releaseClaims(db, id);
  }).immediate();
}

/**
 * Removes the workers that are gone (see the module comment) and releases every claim whose owner is not a
 * registered worker (theirs, and those of a 0.1 catalog). Returns how many workers went. Call inside a write
 * transaction or alone.
 */
export function sweepWorkers(db: Db, nowMs = Date.now(), machine = thisMachine()): number {
  const rows = db.prepare('SELECT id, pid, machine, heartbeat_ms AS heartbeatMs FROM workers').all() as Pick<WorkerRow, 'id' | 'pid' | 'machine' | 'heartbeatMs'>[];
  const gone = rows.filter((w) => workerGone(w, nowMs, machine, pidExists));
  const remove = db.prepare('DELETE FROM workers WHERE id = ?');
  for (const w of gone) remove.run(w.id);
  releaseUnownedClaims(db);
  return gone.length;
}

/**
 * Takes `role` for worker `id` unless another live worker holds it. Returns null when taken, else the holder.
 */
export function takeRole(db: Db, id: string, role: string, nowMs = Date.now()): WorkerRow | null {
  return db.transaction(() => {
    sweepWorkers(db, nowMs);
    const holder = db
      .prepare(
        `SELECT id, command, pid, host, machine, role, started_ms AS startedMs, heartbeat_ms AS heartbeatMs FROM workers WHERE role = ?`,
      )
      .get(role) as WorkerRow | undefined;
    if (holder && holder.id !== id) return holder;
    db.prepare('UPDATE workers SET role = ? WHERE id = ?').run(role, id);
    return null;
  }).immediate();
}

/**
 * A registered worker kept alive by a timer (unref'd: it never keeps a process running). `stop()` retires it. A
 * heartbeat the catalog refuses (locked, full) is logged by `onError` and tried again at the next beat.
 */
export class Worker {
  readonly id: string;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly db: Db,
    readonly command: string,
    onError: (err: unknown) => void = () => {},
  ) {
    this.id = registerWorker(db, command);
    this.timer = setInterval(() => {
      try {
        heartbeat(db, this.id, command);
      } catch (err) {
        onError(err);
      }
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  takeRole(role: string): WorkerRow | null {
    return takeRole(this.db, this.id, role);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    retireWorker(this.db, this.id);
  }
}
