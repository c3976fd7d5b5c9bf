import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RuntimeError } from '../errors.js';

/**
 * Per-camera recorder locks: one `cctv record` per camera and data folder. Each lock is a kernel (fcntl) lock on
 * `<dataDir>/locks/record-<camera>.lock`, held through SQLite's exclusive locking mode for the life of the process:
 * the kernel drops it when the process ends in any way (kill -9 included), so a lock never outlives its holder and
 * a reused PID never holds it. Beside it, `record-<camera>.owner` names the holder (pid, host, start time) so a
 * second process can say who it is.
 */
export interface CameraLock {
  release(): void;
}

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

const lockDir = (dataDir: string) => path.join(dataDir, 'locks');
const base = (dataDir: string, camera: string) => path.join(lockDir(dataDir), `record-${encodeURIComponent(camera)}`);

/** Takes camera `camera`'s recorder lock, or throws a RuntimeError naming the process that holds it. */
export function lockCameraRecorder(dataDir: string, camera: string): CameraLock {
  mkdirSync(lockDir(dataDir), { recursive: true });
  const file = base(dataDir, camera);
  const db = new Database(`${file}.lock`);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT'); // in exclusive locking mode the lock stays taken after the commit
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    const owner = readOwner(dataDir, camera);
    const who = owner ? `pid ${owner.pid} on ${owner.host}, since ${owner.since}` : 'a process that is just starting';
    throw new RuntimeError(
      `camera ${camera} is already being recorded from this data folder by another cctv record (${who}); stop that one first, or record other cameras with --camera`,
    );
  }
  const me: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  writeFileSync(`${file}.owner.tmp-${process.pid}`, `${JSON.stringify(me)}\n`);
  renameSync(`${file}.owner.tmp-${process.pid}`, `${file}.owner`);
  return {
    release() {
      if (readOwner(dataDir, camera)?.pid === process.pid) rmSync(`${file}.owner`, { force: true });
      db.close();
    },
  };
}

/** Who holds (or last held) a camera's recorder lock, from its owner file. */
export function readOwner(dataDir: string, camera: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(`${base(dataDir, camera)}.owner`, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}
