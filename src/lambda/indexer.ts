import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoEventCatalog, type DynamoEventCatalog } from '../lib/catalog/dynamodb/index.js';
import { indexManifest, reindex, type IndexerOptions, type IndexOutcome, type ReindexSummary } from '../lib/cloud-index/indexer.js';
import { UserError } from '../lib/errors.js';
import { log, setLogLevel } from '../lib/log.js';
import { siteNameProblem } from '../lib/sites.js';
import { eachObject, hookStorage, storageKey, type HookDeps, type Outcome } from './common.js';
import { indexerSettings, type IndexerSettings } from './env.js';
import { createdObjects, type EventBridgeS3Event, type S3Event } from './s3-event.js';

/**
 * The index hook: a manifest arrives (`<site>/clips/…/<id>.json`, written last by `cctv upload`, rewritten with labels
 * by `cctv analyze` or the analyze hook) → its entry in the DynamoDB event catalog (src/lib/cloud-index/). Triggered by
 * EventBridge (S3 allows one notification per suffix and prefix, and the analyze hook holds the manifests') or by an S3
 * event notification; both shapes are read. Idempotent and order-safe: the entry holds the manifest as read after the
 * event, versioned by the event's `sequencer`, so a duplicate or an older delivery writes nothing. The site comes from
 * the key (0.1 keys `clips/…`: CCTV_LEGACY_SITE).
 *
 * Invoked with `{ "reindex": true }` (every site in CCTV_SITES, and the 0.1 keys when CCTV_LEGACY_SITE is set) or
 * `{ "reindex": { "sites": ["home"] } }`, it rebuilds the index from the manifests instead (`cctv cloud reindex` does
 * the same from a workstation).
 */

export interface ReindexRequest {
  reindex: true | { sites?: string[] };
}

export type IndexerEvent = S3Event | EventBridgeS3Event | ReindexRequest;

export interface IndexerDeps extends HookDeps {
  /** A ready DynamoDB client (tests); by default one for the function's region (CCTV_DYNAMODB_ENDPOINT if set). */
  dynamodb?: DynamoDBClient;
}

interface Hook {
  settings: IndexerSettings;
  options: IndexerOptions;
}

export function createIndexerHandler(deps: IndexerDeps = {}): (event: IndexerEvent) => Promise<{ results: Outcome[] } | { reindexed: ReindexSummary }> {
  let hook: Hook | undefined;
  return async (event) => {
    hook ??= init(deps);
    const h = hook;
    if ('reindex' in event) {
      const summary = await reindex(h.options, reindexPrefixes(h.settings, event));
      log.info(summary, 'reindexed');
      return { reindexed: summary };
    }
    return {
      results: await eachObject(createdObjects(event), async (o): Promise<Outcome> => {
        const key = storageKey(h.options.storage, o);
        const r: IndexOutcome = key === null ? { key: o.key, outcome: 'ignored', reason: 'outside CCTV_STORAGE_URL' } : await indexManifest(h.options, key, o.sequencer);
        return { ...r };
      }),
    };
  };
}

/** Pure: the storage prefixes a reindex request walks. */
export function reindexPrefixes(s: Pick<IndexerSettings, 'sites' | 'legacySite'>, event: ReindexRequest): string[] {
  const asked = event.reindex === true ? undefined : event.reindex.sites;
  for (const site of asked ?? []) {
    const problem = siteNameProblem(site);
    if (problem) throw new UserError(`reindex: site "${site}": ${problem}`);
  }
  const sites = asked ?? s.sites;
  return [...sites.map((site) => `${site}/clips/`), ...(asked === undefined && s.legacySite !== null ? ['clips/'] : [])];
}

function init(deps: IndexerDeps): Hook {
  const settings = indexerSettings(deps.env ?? process.env);
  if (settings.logLevel) setLogLevel(settings.logLevel);
  const client = deps.dynamodb ?? new DynamoDBClient({ region: settings.region, ...(settings.dynamodbEndpoint ? { endpoint: settings.dynamodbEndpoint } : {}) });
  const catalogs = new Map<string, DynamoEventCatalog>();
  const catalogOf = (site: string) => {
    let c = catalogs.get(site);
    if (!c) {
      c = dynamoEventCatalog({ client, tableName: settings.tableName, site, ...(settings.expireAfterDays ? { expireAfterDays: settings.expireAfterDays } : {}) });
      catalogs.set(site, c);
    }
    return c;
  };
  return { settings, options: { storage: deps.storage ?? hookStorage(settings.config), catalogOf, defaultSite: settings.legacySite } };
}

/** The Lambda entry point (`index.handler` in dist/lambda/indexer.zip). */
export const handler = createIndexerHandler();
