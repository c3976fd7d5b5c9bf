import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from '../catalog/db.js';
import { RuntimeError, UserError } from '../errors.js';

export interface BackupResult {
  file: string;
  bytes: number;
  /** Rows of the main tables in the copy. */
  rows: Record<string, number>;
}

/** `<dataDir>/backups/catalog-<UTC time>.db`. */
export function defaultBackupFile(dataDir: string, nowMs = Date.now()): string {
  return path.join(dataDir, 'backups', `catalog-${new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.db`);
}

/**
 * An online copy of the catalog with SQLite's backup API (better-sqlite3 `db.backup`): consistent while `cctv run`
 * keeps writing (pages changed during the copy are copied again). The copy is checked (`PRAGMA integrity_check`)
 * and readable by its owner only (it holds password hashes and session digests).
 */
export async function backupCatalog(db: Db, file: string): Promise<BackupResult> {
  if (existsSync(file)) throw new UserError(`${file} exists: choose another file (backups never overwrite)`);
  mkdirSync(path.dirname(file), { recursive: true });
  await db.backup(file);
  chmodSync(file, 0o600);
  const copy = new Database(file, { readonly: true });
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new RuntimeError(`${file}: the copy fails its integrity check (${String(check)})`);
    const rows: Record<string, number> = {};
    for (const t of ['segments', 'events', 'uploads', 'detections', 'users']) {
      rows[t] = (copy.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    }
    return { file, bytes: statSync(file).size, rows };
  } finally {
    copy.close();
  }
}
