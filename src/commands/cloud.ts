import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoEventCatalog } from '../lib/catalog/dynamodb/index.js';
import { reindex } from '../lib/cloud-index/indexer.js';
import type { CommandContext } from '../lib/context.js';
import { RuntimeError, UserError } from '../lib/errors.js';
import { storageFromConfig } from '../lib/storage/index.js';

/**
 * `cctv cloud reindex --table NAME`: rebuilds this site's entries of the hosted app's event index (DynamoDB) from the
 * manifests in `storage.url` (`s3://bucket/<site>`), as the index Lambda's reindex invocation does. Uses the AWS
 * credentials of the environment (dynamodb:PutItem on the table; s3:ListBucket and s3:GetObject on the site's prefix).
 */
export async function cloudReindex(opts: { table?: string; dynamodbEndpoint?: string; concurrency?: string }, ctx: CommandContext): Promise<void> {
  const { config } = ctx;
  if (config.site === undefined) throw new UserError('cloud reindex: set `site` in the configuration (the site whose clips are indexed)');
  if (!opts.table) throw new UserError('cloud reindex: --table is required (Terraform output events_table_name)');
  const concurrency = Number(opts.concurrency ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UserError(`--concurrency ${opts.concurrency}: a whole number from 1 to 64`);
  const client = new DynamoDBClient({
    ...(config.storage.region ? { region: config.storage.region } : {}),
    ...(opts.dynamodbEndpoint ? { endpoint: opts.dynamodbEndpoint } : {}),
  });
  try {
    const catalog = dynamoEventCatalog({ client, tableName: opts.table, site: config.site });
    const summary = await reindex({ storage: storageFromConfig(config), catalogOf: () => catalog, defaultSite: config.site }, ['clips/'], concurrency);
    process.stdout.write(`${JSON.stringify({ site: config.site, table: opts.table, ...summary })}\n`);
    process.stderr.write(
      `site ${config.site}: ${summary.manifests} manifests, ${summary.indexed} indexed, ${summary.unchanged} already current, ${summary.invalid} invalid, ${summary.failed} failed (${summary.seconds} s)\n`,
    );
    if (summary.failed > 0) throw new RuntimeError(`${summary.failed} manifests could not be indexed (see the log); run it again`);
  } finally {
    client.destroy();
  }
}
