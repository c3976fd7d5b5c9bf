import { statfsSync } from 'node:fs';
import { catalogHealth, type CatalogHealth } from '../lib/catalog/health.js';
import type { Config } from '../lib/config/schema.js';
import type { CommandContext } from '../lib/context.js';
import { errorMessage, RuntimeError } from '../lib/errors.js';
import type { SupervisedSnapshot } from '../lib/run/supervisor.js';
import type { Readiness } from '../lib/serve/health-routes.js';

/** What `cctv status --json` prints: the service as its /readyz tells, and the catalog and disk as they are. */
export interface StatusReport {
  url: string;
  running: boolean;
  /** Why the service could not be asked (not running, refused, timed out). */
  error: string | null;
  ready: boolean;
  problems: string[];
  stages: SupervisedSnapshot[];
  catalog: (Omit<CatalogHealth, 'lastSegmentEndMs'> & { segmentLagSeconds: Record<string, number> }) | null;
  diskFreeBytes: number | null;
}

/** The web app's address as seen from this machine: a wildcard bind is asked on loopback. */
export function serviceUrl(serve: Config['serve']): string {
  const host = ['0.0.0.0', '::', ''].includes(serve.host) ? '127.0.0.1' : serve.host.includes(':') ? `[${serve.host}]` : serve.host;
  return `${serve.tls ? 'https' : 'http'}://${host}:${serve.port}`;
}

export function formatStatus(r: StatusReport, nowMs = Date.now()): string {
  const lines = [r.running ? `service   ${r.url}: ${r.ready ? 'ready' : `NOT READY (${r.problems.join('; ')})`}` : `service   not running at ${r.url} (${r.error})`];
  if (r.stages.length > 0) {
    const w = Math.max(...r.stages.map((s) => s.name.length), 5);
    lines.push('', `${'STAGE'.padEnd(w)}  ${'STATE'.padEnd(10)} ${'SINCE'.padEnd(8)} RESTARTS  LAST ERROR`);
    for (const s of r.stages) {
      const since = `${Math.round((nowMs - s.since) / 1000)}s`;
      lines.push(`${s.name.padEnd(w)}  ${s.state.padEnd(10)} ${since.padEnd(8)} ${String(s.restarts).padEnd(8)}  ${s.lastError ?? '-'}`);
    }
  }
  if (r.catalog) {
    const c = r.catalog;
    const lag = Object.entries(c.segmentLagSeconds).map(([cam, s]) => `${cam} ${Math.round(s)}s`).join(', ') || 'nothing recorded';
    lines.push('', `recording lag  ${lag}`);
    lines.push(`outbox         ${c.outbox.pending} pending, ${c.outbox.failed} failed${c.outbox.oldestPendingMs ? `, oldest ${Math.round((nowMs - c.outbox.oldestPendingMs) / 1000)}s` : ''}`);
    lines.push(`catalog        ${Object.values(c.events).reduce((a, b) => a + b, 0)} events, ${c.clips} clips`);
  } else {
    lines.push('', 'catalog        none yet in the data folder');
  }
  if (r.diskFreeBytes !== null) lines.push(`disk free      ${(r.diskFreeBytes / 1e9).toFixed(1)} GB`);
  return `${lines.join('\n')}\n`;
}

/**
 * `cctv status [--json] [--url U]`: asks the running service (`cctv run` or `cctv serve`) its /readyz, and reads the
 * catalog and the disk itself (creating nothing). Exit 1 when the service is not running or not ready.
 */
export async function status(opts: { json?: boolean; url?: string }, ctx: CommandContext): Promise<void> {
  const url = (opts.url ?? serviceUrl(ctx.config.serve)).replace(/\/$/, '');
  let ready: Readiness | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
    ready = (await res.json()) as Readiness;
  } catch (err) {
    error = errorMessage((err as { cause?: unknown }).cause ?? err);
  }
  const db = ctx.existingCatalog();
  const now = Date.now();
  let catalog: StatusReport['catalog'] = null;
  if (db) {
    const { lastSegmentEndMs, ...rest } = catalogHealth(db);
    catalog = { ...rest, segmentLagSeconds: Object.fromEntries(Object.entries(lastSegmentEndMs).map(([c, end]) => [c, Math.max(0, (now - end) / 1000)])) };
  }
  let diskFreeBytes: number | null = null;
  try {
    const fs = statfsSync(ctx.config.dataDir);
    diskFreeBytes = fs.bavail * fs.bsize;
  } catch {
    // No data folder yet.
  }
  const report: StatusReport = {
    url, running: ready !== null, error, ready: ready?.ready ?? false, problems: ready?.problems ?? [],
    stages: (ready?.stages ?? []) as SupervisedSnapshot[], catalog, diskFreeBytes,
  };
  process.stdout.write(opts.json || ctx.machineOutput ? `${JSON.stringify(report)}\n` : formatStatus(report, now));
  if (!report.running) throw new RuntimeError(`the service is not running at ${url} (start it: cctv run, or cctv service install)`);
  if (!report.ready) throw new RuntimeError(`the service is not ready: ${report.problems.join('; ')}`);
}
