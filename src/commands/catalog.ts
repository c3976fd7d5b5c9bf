import { existsSync } from 'node:fs';
import path from 'node:path';
import { backupCatalog, defaultBackupFile } from '../lib/backup/backup.js';
import { rebuildCatalog } from '../lib/backup/rebuild.js';
import type { CommandContext } from '../lib/context.js';
import { UserError } from '../lib/errors.js';
import { storageFromConfig } from '../lib/storage/index.js';

/** `cctv backup [FILE] [--json]`: an online copy of the catalog (default `<dataDir>/backups/catalog-<time>.db`). */
export async function backup(opts: { json?: boolean }, ctx: CommandContext, args: string[]): Promise<void> {
  const db = ctx.existingCatalog();
  if (!db) throw new UserError(`no catalog in ${ctx.config.dataDir}: nothing to back up (check dataDir or --config)`);
  const r = await backupCatalog(db, path.resolve(args[0] ?? defaultBackupFile(ctx.config.dataDir)));
  if (opts.json || ctx.machineOutput) process.stdout.write(`${JSON.stringify(r)}\n`);
  else process.stdout.write(`${r.file}  ${(r.bytes / 1e6).toFixed(1)} MB, ${Object.entries(r.rows).map(([t, n]) => `${n} ${t}`).join(', ')}; integrity ok\n`);
}

/**
 * `cctv catalog rebuild [--json]`: a new catalog from the recordings on disk and the stored clips' manifests
 * (lib/backup/rebuild.ts). Refuses to touch an existing catalog.
 */
export async function catalogRebuild(opts: { json?: boolean }, ctx: CommandContext): Promise<void> {
  const file = path.join(ctx.config.dataDir, 'catalog.db');
  if (existsSync(file)) throw new UserError(`${file} exists: rebuild makes a new catalog; move the old one away first (or restore a copy from cctv backup)`);
  const r = await rebuildCatalog(ctx.catalog, ctx.config.dataDir, storageFromConfig(ctx.config));
  if (opts.json || ctx.machineOutput) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(`rebuilt ${file}: ${r.segments} recordings of ${r.cameras.length} cameras, ${r.clips} stored clips, ${r.events} events, ${r.analyses} analyses` +
      `${r.skipped.length ? `; ${r.skipped.length} manifests skipped` : ''}\n` +
      'not recoverable: gaps, pending uploads, alerts sent, users and tokens (cctv user add, cctv token create)\n');
  }
}
