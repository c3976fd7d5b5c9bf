import PQueue from 'p-queue';
import { readManifest } from '../analyze/results.js';
import { normaliseSequencer, type DynamoEventCatalog } from '../catalog/dynamodb/index.js';
import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import { parseClipKey } from '../sites.js';
import type { Storage } from '../storage/index.js';
import { entryOfManifest } from './entry.js';

/**
 * The cloud index: manifests in storage → the DynamoDB event catalog. Used by the index Lambda (src/lambda/indexer.ts,
 * per S3 event, and for a reindex invocation) and by `cctv cloud reindex`. The manifests stay the truth: every write
 * is what was read from storage, versioned (WriteVersion) so duplicates and late deliveries change nothing and a
 * reindex gives the same table as the live index.
 */
export interface IndexerOptions {
  /** Where the manifests are: keys `<site>/clips/…`, or `clips/…` inside a site's own storage (`s3://bucket/<site>`). */
  storage: Storage;
  /** The catalog of a site (one table for all). */
  catalogOf(site: string): DynamoEventCatalog;
  /** The site of keys without one (`clips/…`: 0.1 keys at the bucket root, or a site's own storage); null: skipped. */
  defaultSite: string | null;
}

export interface IndexOutcome {
  key: string;
  outcome: 'indexed' | 'unchanged' | 'ignored' | 'gone' | 'invalid';
  site?: string;
  reason?: string;
}

/** Indexes one stored object (a manifest; anything else is ignored). `sequencer`: its S3 event's, when it has one. */
export async function indexManifest(o: IndexerOptions, key: string, sequencer?: string): Promise<IndexOutcome> {
  const parsed = parseClipKey(key);
  if (parsed === null || parsed.ext !== 'json') return { key, outcome: 'ignored', reason: 'not a clip manifest' };
  const site = parsed.site ?? o.defaultSite;
  if (site === null) return { key, outcome: 'ignored', reason: 'no site in the key and no default site' };
  const seq = sequencer === undefined ? undefined : normaliseSequencer(sequencer);
  if (seq === null) return { key, outcome: 'invalid', site, reason: `sequencer "${sequencer}" is not hexadecimal` };
  const readAtMs = Date.now();
  const manifest = await readManifest(o.storage, key);
  if (manifest === null) return { key, outcome: 'gone', site };
  const made = entryOfManifest(manifest, parsed);
  if ('problem' in made) return { key, outcome: 'invalid', site, reason: made.problem };
  const written = await o.catalogOf(site).putEntry(made.entry, { readAtMs, ...(seq !== undefined ? { sequencer: seq } : {}) });
  return { key, outcome: written ? 'indexed' : 'unchanged', site };
}

export interface ReindexSummary {
  manifests: number;
  indexed: number;
  unchanged: number;
  invalid: number;
  failed: number;
  seconds: number;
}

/**
 * Rebuilds the index from every manifest under `prefixes` (e.g. `home/clips/`, or `clips/`), `concurrency` at a time.
 * Entries are replaced when their manifest was read after they were written; nothing is deleted (expired clips leave
 * with the table's TTL). A manifest that fails is logged and counted; the others go on.
 */
export async function reindex(o: IndexerOptions, prefixes: readonly string[], concurrency = 8): Promise<ReindexSummary> {
  const t0 = Date.now();
  const sum: ReindexSummary = { manifests: 0, indexed: 0, unchanged: 0, invalid: 0, failed: 0, seconds: 0 };
  const queue = new PQueue({ concurrency });
  for (const prefix of prefixes) {
    for await (const entry of o.storage.list(prefix)) {
      if (!entry.key.endsWith('.json')) continue;
      sum.manifests++;
      if (queue.size > concurrency * 4) await queue.onSizeLessThan(concurrency * 2);
      void queue.add(async () => {
        try {
          const r = await indexManifest(o, entry.key);
          if (r.outcome === 'indexed') sum.indexed++;
          else if (r.outcome === 'invalid') {
            sum.invalid++;
            log.warn(r, 'manifest not indexed');
          } else sum.unchanged++;
        } catch (err) {
          sum.failed++;
          log.error({ key: entry.key, err: errorMessage(err) }, 'manifest not indexed');
        }
      });
    }
  }
  await queue.onIdle();
  sum.seconds = (Date.now() - t0) / 1000;
  return sum;
}
