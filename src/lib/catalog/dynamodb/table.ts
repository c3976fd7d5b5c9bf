import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sleep } from '../../wait.js';

/**
 * The event catalog's DynamoDB table: `pk`/`sk` strings, on-demand, two global secondary indexes for the events list
 * (keys.ts explains every key), and `expiresAt` (seconds since the epoch) as its TTL attribute. The same table is
 * declared by infra/terraform/dynamodb.tf (keep them in step; a terraform test checks the names); this definition
 * creates it for tests, benchmarks and local runs against dynalite (which has no TTL: expiry is AWS's side).
 */
export const BY_SITE_INDEX = 'bySite';
export const BY_CAMERA_INDEX = 'byCamera';
export const TTL_ATTRIBUTE = 'expiresAt';

export function tableDefinition(tableName: string): CreateTableCommandInput {
  const gsi = (name: string, hash: string) => ({
    IndexName: name,
    KeySchema: [{ AttributeName: hash, KeyType: 'HASH' as const }, { AttributeName: 'lsk', KeyType: 'RANGE' as const }],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', 'lpk', 'cpk', 'lsk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [gsi(BY_SITE_INDEX, 'lpk'), gsi(BY_CAMERA_INDEX, 'cpk')],
  };
}

/** Creates the table and waits until it is ACTIVE (tests, benchmarks, dynalite). */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
  for (let i = 0; i < 100; i++) {
    const t = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (t.Table?.TableStatus === 'ACTIVE') return;
    await sleep(50);
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
