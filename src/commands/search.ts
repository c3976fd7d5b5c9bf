import { search, type SearchMatch, type SearchQuery } from '../lib/catalog/search.js';
import type { CommandContext } from '../lib/context.js';
import { UserError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { parseTime, TIME_FORMS } from '../lib/time.js';

export interface SearchOptions {
  tag?: string[];
  camera?: string[];
  since?: string;
  until?: string;
  minConfidence?: string;
  limit?: string;
  json?: boolean;
}

/** One search result on stdout (`--json` or piped): not a pipeline kind, so every stage passes it through. */
export type MatchRecord = {
  v: 1;
  kind: 'match';
  eventId: string | null;
  camera: string;
  start: string;
  end: string | null;
  labels: { name: string; confidence: number | null; source: 'detector' | 'camera' }[];
  url: string | null;
  poster: string | null;
};

export const DEFAULT_LIMIT = 100;
const LABEL = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Turns the flags into a query; UserError naming the flag and its accepted forms. */
export function parseSearchOptions(o: SearchOptions, nowMs: number): SearchQuery {
  const tags = (o.tag ?? []).map((t) => {
    const tag = t.trim().toLowerCase();
    if (!LABEL.test(tag)) throw new UserError(`--tag ${JSON.stringify(t)}: use a label like person, car, dog (letters, digits, - and _)`);
    return tag;
  });
  const time = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const ms = parseTime(v, nowMs);
    if (ms === null) throw new UserError(`${flag} ${JSON.stringify(v)}: use ${TIME_FORMS}`);
    return ms;
  };
  const sinceMs = time('--since', o.since);
  const untilMs = time('--until', o.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    throw new UserError(`--since ${o.since} is not before --until ${o.until}: give --since the earlier time`);
  }
  let minConfidence: number | undefined;
  if (o.minConfidence !== undefined) {
    minConfidence = /^\s*(0(\.\d+)?|1(\.0*)?|\.\d+)\s*$/.test(o.minConfidence) ? Number(o.minConfidence) : NaN;
    if (Number.isNaN(minConfidence)) throw new UserError(`--min-confidence ${JSON.stringify(o.minConfidence)}: use a number from 0 to 1, like 0.6`);
  }
  let limit = DEFAULT_LIMIT;
  if (o.limit !== undefined) {
    limit = /^\d{1,7}$/.test(o.limit.trim()) ? Number(o.limit) : 0;
    if (limit < 1) throw new UserError(`--limit ${JSON.stringify(o.limit)}: use a whole number from 1 to 9999999`);
  }
  return { tags: [...new Set(tags)], cameras: [...new Set(o.camera ?? [])], sinceMs, untilMs, minConfidence, limit };
}

export function matchRecord(m: SearchMatch): MatchRecord {
  return {
    v: 1, kind: 'match', eventId: m.eventId, camera: m.camera, start: new Date(m.startMs).toISOString(),
    end: m.endMs === null ? null : new Date(m.endMs).toISOString(), labels: m.labels, url: m.clip, poster: m.poster,
  };
}

/** The TTY table: one line per match, newest first, columns padded to their widest cell. */
export function formatTable(matches: SearchMatch[]): string {
  if (matches.length === 0) return 'no matches\n';
  const rows = matches.map((m) => [
    new Date(m.startMs).toISOString().replace('T', ' ').slice(0, 19),
    m.camera,
    m.endMs === null ? 'open' : `${Math.round((m.endMs - m.startMs) / 1000)}s`,
    m.labels.map((l) => (l.confidence === null ? l.name : `${l.name} ${l.confidence.toFixed(2)}`)).join(', ') || '-',
    m.clip ?? '(not uploaded)',
  ]);
  const table = [['START (UTC)', 'CAMERA', 'LENGTH', 'LABELS', 'CLIP'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/**
 * `cctv search [--tag L]... [--camera C]... [--since D] [--until T] [--min-confidence N] [--limit N] [--json]`:
 * matches newest first, as a table on a terminal, as `match` records (one JSON object per line) otherwise.
 */
export async function searchCommand(opts: SearchOptions, ctx: CommandContext): Promise<void> {
  const q = parseSearchOptions(opts, Date.now());
  for (const c of q.cameras) {
    if (!ctx.config.cameras[c]) log.warn({ camera: c }, `--camera ${c} is not a configured camera; searching the catalog anyway`);
  }
  const db = ctx.existingCatalog();
  if (!db) log.warn({ dataDir: ctx.config.dataDir }, 'no catalog in the data folder: nothing recorded there yet (check dataDir or --config)');
  const matches = db ? search(db, q) : [];
  if (opts.json || ctx.machineOutput) {
    for (const m of matches) await ctx.write(matchRecord(m));
  } else {
    process.stdout.write(formatTable(matches));
  }
  if (matches.length === q.limit) log.info(`showing the newest ${q.limit} matches; use --limit or --since/--until for more`);
}
