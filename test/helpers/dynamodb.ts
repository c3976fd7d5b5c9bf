import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTable } from '../../src/lib/catalog/dynamodb/table.js';

/** dynalite (DynamoDB's JSON protocol, in memory) on a loopback port, with the event catalog's table created. */
export interface DynamoTestServer {
  endpoint: string;
  client: DynamoDBClient;
  tableName: string;
  /** A client config for code that builds its own client (the Lambda handlers). */
  clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  stop(): Promise<void>;
}

export async function startDynamo(tableName = 'cctv-events'): Promise<DynamoTestServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientConfig = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' } };
  const client = new DynamoDBClient(clientConfig);
  try {
    await createTable(client, tableName);
  } catch (err) {
    client.destroy();
    server.close();
    throw err;
  }
  return {
    endpoint, client, tableName, clientConfig,
    stop: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
