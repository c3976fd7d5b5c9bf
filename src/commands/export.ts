import { existsSync, mkdirSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { sqliteEventCatalog } from '../lib/catalog/sqlite-event-catalog.js';
import type { CommandContext } from '../lib/context.js';
import { RuntimeError, UserError } from '../lib/errors.js';
import { exportIndex, exportPlan, exportStream, hashing, type ExportedFile } from '../lib/export/export.js';
import { log } from '../lib/log.js';
import { parseTime, TIME_FORMS, type Span } from '../lib/time.js';

export interface ExportOptions {
  camera?: string[];
  from?: string;
  to?: string;
  out?: string;
}

/** Pure: the flags as cameras, a span and a folder; UserError naming the flag and the fix. */
export function parseExportOptions(o: ExportOptions, cameras: readonly string[], nowMs: number): { cameras: string[]; span: Span; out: string } {
  const asked = o.camera ?? [];
  if (asked.length === 0) throw new UserError(`--camera: name at least one camera (${cameras.join(', ') || 'none configured'})`);
  for (const c of asked) if (!cameras.includes(c)) throw new UserError(`--camera ${JSON.stringify(c)}: not a configured camera (${cameras.join(', ') || 'none configured'})`);
  const time = (flag: string, v: string | undefined) => {
    if (v === undefined) throw new UserError(`${flag}: required, ${TIME_FORMS}`);
    const ms = parseTime(v, nowMs);
    if (ms === null) throw new UserError(`${flag} ${JSON.stringify(v)}: use ${TIME_FORMS}`);
    return ms;
  };
  const fromMs = time('--from', o.from);
  const toMs = time('--to', o.to);
  if (toMs <= fromMs) throw new UserError(`--from ${o.from} is not before --to ${o.to}: give --from the earlier time`);
  if (!o.out) throw new UserError('--out: the folder to write the export to (created if missing)');
  return { cameras: [...new Set(asked)], span: { fromMs, toMs }, out: o.out };
}

/**
 * `cctv export --camera C... --from T --to T --out DIR`: one MP4 per camera (video copied), manifest.json and
 * SHA256SUMS in DIR; stdout gets SHA256SUMS's lines with the files' paths (verify with `sha256sum -c`).
 */
export async function exportCommand(opts: ExportOptions, ctx: CommandContext): Promise<void> {
  const { cameras, span, out } = parseExportOptions(opts, Object.keys(ctx.config.cameras), Date.now());
  const plan = await exportPlan(sqliteEventCatalog(ctx.catalog), ctx.config.dataDir, cameras, span);
  for (const c of plan.empty) log.warn({ camera: c }, 'nothing recorded in the range: no file for this camera');
  if (plan.cameras.length === 0) throw new RuntimeError(`nothing recorded on ${cameras.join(', ')} in the range`);
  const targets = [...plan.cameras.map((c) => c.file), 'manifest.json', 'SHA256SUMS'];
  for (const f of targets) {
    if (existsSync(path.join(out, f))) throw new UserError(`--out ${out}: ${f} exists already; choose an empty folder`);
  }
  mkdirSync(out, { recursive: true });
  const files: ExportedFile[] = [];
  for (const c of plan.cameras) {
    const target = path.join(out, c.file);
    const part = `${target}.part`;
    try {
      const { stream, done } = hashing(await exportStream(ctx.config.dataDir, c));
      await pipeline(stream, createWriteStream(part));
      await rename(part, target);
      files.push({ file: c.file, camera: c.camera, ...(await done) });
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    const gaps = c.plan.gaps.length;
    log.info({ camera: c.camera, file: target, bytes: files[files.length - 1]!.bytes, gaps }, `exported ${c.camera}${gaps ? ` (${gaps} gap(s) joined, listed in the manifest)` : ''}`);
  }
  const { manifest, sums } = exportIndex(plan, files);
  await writeFile(path.join(out, 'manifest.json'), manifest);
  await writeFile(path.join(out, 'SHA256SUMS'), sums);
  for (const line of sums.toString().trimEnd().split('\n')) {
    const [hex, file] = line.split('  ');
    process.stdout.write(`${hex}  ${path.join(out, file!)}\n`);
  }
}
