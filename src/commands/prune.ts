import { pruneCatalogRows } from '../lib/catalog/housekeeping.js';
import type { CommandContext } from '../lib/context.js';
import { RuntimeError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import type { Plan } from '../lib/retention/plan.js';
import { executePlan, survey, type PruneResult, type UnknownFiles } from '../lib/retention/prune.js';
import { storageFromConfig } from '../lib/storage/index.js';

/** A planned deletion (`--dry-run`), one per line when output is machine-read. */
export type PruneItemRecord = {
  v: 1;
  kind: 'prune-item';
  what: 'segment' | 'local-clip' | 'stored';
  camera: string;
  /** Relative to dataDir (segment), absolute (local clip) or a storage URL (stored). */
  path: string;
  bytes: number;
  reason: string;
};

/** The last line: what was (or, with --dry-run, would be) deleted and what is left. */
export type PruneSummaryRecord = {
  v: 1;
  kind: 'prune-summary';
  dryRun: boolean;
  unknownFiles: UnknownFiles;
  /** Per camera: start of the oldest recording left (ISO). */
  oldestKept: Record<string, string>;
} & PruneResult & Pick<Plan, 'kept' | 'usageBytes' | 'usageAfterBytes' | 'freeBytes' | 'freeAfterBytes' | 'quotaShortfallBytes' | 'emergencyShortfallBytes' | 'clockBehindMs'>;

export function planItems(plan: Plan): PruneItemRecord[] {
  const item = (what: PruneItemRecord['what'], camera: string, p: string, bytes: number, reason: string): PruneItemRecord =>
    ({ v: 1, kind: 'prune-item', what, camera, path: p, bytes, reason });
  return [
    ...plan.segments.map(({ segment: s, reason }) => item('segment', s.camera, s.path, s.bytes, reason)),
    ...plan.localClips.map((c) => item('local-clip', c.camera, c.path, c.bytes, 'uploaded')),
    ...plan.stored.map((o) => item('stored', o.camera, o.url, o.bytes, 'expired')),
  ];
}

export function summaryRecord(plan: Plan, unknown: UnknownFiles, result: PruneResult | null): PruneSummaryRecord {
  const planned = {
    segments: {
      files: plan.segments.length,
      bytes: plan.segments.reduce((n, s) => n + (s.reason === 'missing' ? 0 : s.segment.bytes), 0),
      byReason: plan.segments.reduce<Record<string, number>>((m, s) => ({ ...m, [s.reason]: (m[s.reason] ?? 0) + 1 }), {}),
    },
    localClips: { files: plan.localClips.length, bytes: plan.localClips.reduce((n, c) => n + c.bytes, 0) },
    stored: { objects: plan.stored.length, bytes: plan.stored.reduce((n, o) => n + o.bytes, 0) },
  };
  const done = result ?? { ...planned, skipped: 0, abandonedWork: plan.segments.filter((s) => s.abandonsWork).length, gaps: 0, errors: [] };
  return {
    v: 1, kind: 'prune-summary', dryRun: result === null, segments: done.segments, localClips: done.localClips, stored: done.stored,
    kept: plan.kept, unknownFiles: unknown, usageBytes: plan.usageBytes, usageAfterBytes: plan.usageAfterBytes,
    freeBytes: plan.freeBytes, freeAfterBytes: plan.freeAfterBytes, quotaShortfallBytes: plan.quotaShortfallBytes,
    emergencyShortfallBytes: plan.emergencyShortfallBytes,
    oldestKept: Object.fromEntries(Object.entries(plan.oldestKept).map(([c, ms]) => [c, new Date(ms).toISOString()])),
    skipped: done.skipped, abandonedWork: done.abandonedWork, gaps: done.gaps, clockBehindMs: plan.clockBehindMs, errors: done.errors,
  };
}

const size = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);

/** The terminal form of the summary. */
export function formatSummary(s: PruneSummaryRecord): string {
  const verb = s.dryRun ? 'would delete' : 'deleted';
  const reasons = Object.entries(s.segments.byReason).map(([r, n]) => `${n} ${r}`).join(', ');
  const lines = [
    `${verb} ${s.segments.files} recordings (${size(s.segments.bytes)}${reasons ? `; ${reasons}` : ''}), ` +
      `${s.localClips.files} uploaded local clips, ${s.stored.objects} stored clips (${size(s.stored.bytes)})`,
    `kept: ${s.kept.open} being written, ${s.kept.inUse} awaiting upload, ${s.kept.eventProtected} protected by events`,
    `recordings ${size(s.usageBytes)} → ${size(s.usageAfterBytes)}; disk free ${size(s.freeBytes)} → ${size(s.freeAfterBytes)}`,
    ...Object.entries(s.oldestKept).map(([camera, at]) => `oldest kept ${camera}: ${at}`),
  ];
  if (s.unknownFiles.count > 0) {
    lines.push(`${s.unknownFiles.count} files under recordings/ unknown to the catalog (${size(s.unknownFiles.bytes)}), left alone: ` +
      `${s.unknownFiles.examples.slice(0, 5).join(', ')}${s.unknownFiles.count > 5 ? ', …' : ''}`);
  }
  if (s.clockBehindMs > 0) lines.push(`age rules skipped: the clock is ${Math.round(s.clockBehindMs / 1000)} s behind the newest recording`);
  if (s.abandonedWork > 0) lines.push(`${s.abandonedWork} upload work items abandoned: emergency pruning deleted recordings they needed`);
  if (s.skipped > 0) lines.push(`${s.skipped} skipped: changed since planning (reopened, now awaiting upload, or gone)`);
  return lines.join('\n') + '\n';
}

/**
 * `cctv prune [--dry-run] [--json]`: applies the retention policy (see src/lib/retention/plan.ts). Safe to run
 * from cron while `record` and `upload` run. Output: with --dry-run the planned deletions, then a summary; as
 * `prune-item` / `prune-summary` records when piped or with --json. Exit 1 when a deletion failed.
 */
export async function prune(opts: { dryRun?: boolean; json?: boolean }, ctx: CommandContext): Promise<void> {
  const { config } = ctx;
  const machine = opts.json || ctx.machineOutput;
  const { plan, unknown } = survey(ctx.catalog, config);
  if (plan.clockBehindMs > 0) {
    log.error({ behindSeconds: Math.round(plan.clockBehindMs / 1000) },
      'the clock is earlier than the newest recording: no deletion by age this time (quota and free-space rules still apply); check the system clock (NTP)');
  }
  if (unknown.count > 0) log.warn({ count: unknown.count, examples: unknown.examples.slice(0, 5) }, 'files under recordings/ the catalog does not know: left alone');
  let result: PruneResult | null = null;
  if (opts.dryRun) {
    for (const item of planItems(plan)) {
      if (machine) await ctx.write(item);
      else process.stdout.write(`would delete ${item.what} ${item.path} (${size(item.bytes)}, ${item.reason})\n`);
    }
  } else {
    const storage = plan.stored.length > 0 ? storageFromConfig(config) : undefined;
    result = await executePlan(ctx.catalog, config, plan, storage);
    const rows = pruneCatalogRows(ctx.catalog, config);
    log.info(rows, 'catalog rows that served their purpose removed (finished work, old events and alerts, gone drop-folder files)');
  }
  if (plan.quotaShortfallBytes > 0) {
    log.warn({ bytes: plan.quotaShortfallBytes }, 'recordings stay above retention.maxDiskGb: the rest is protected by events or awaiting upload');
  }
  if (plan.emergencyShortfallBytes > 0) {
    log.error({ bytes: plan.emergencyShortfallBytes }, 'free space stays below retention.minFreeGb: only recordings being written or awaiting upload are left');
  }
  const summary = summaryRecord(plan, unknown, result);
  if (machine) await ctx.write(summary);
  else process.stdout.write(formatSummary(summary));
  if (summary.errors.length > 0) throw new RuntimeError(`prune: ${summary.errors.length} deletions failed (first: ${summary.errors[0]})`);
}
