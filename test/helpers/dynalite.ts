import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

/** dynalite (DynamoDB's wire protocol, in memory) on a loopback port, with real SDK v3 clients pointed at it. */
export interface DynamoTestServer {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Creates an on-demand table with a string hash key `key` (as Terraform does). */
  createTable(name: string, key: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<DynamoTestServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return {
    endpoint,
    client,
    doc: DynamoDBDocumentClient.from(client),
    async createTable(name, key) {
      await client.send(new CreateTableCommand({
        TableName: name, BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }], KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      }));
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
