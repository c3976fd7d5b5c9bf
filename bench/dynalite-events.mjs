// What bench/cloud-index.mjs and bench/hosted.mjs share: dynalite in the bench's own process spoken to by the real SDK
// client, a table filled with N events of 8 cameras over a year (batch writes of the catalog's own items), and p50/p99.
import { loadavg } from 'node:os';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import dynalite from 'dynalite';

export const CAMERAS = ['front', 'back', 'drive', 'garden', 'side', 'garage', 'porch', 'yard'];
export const T0 = Date.UTC(2026, 0, 1);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 100) / 100;
};
export const stats = (xs) => ({ n: xs.length, p50Ms: quantile(xs, 0.5), p99Ms: quantile(xs, 0.99), maxMs: quantile(xs, 1) });

/** dynalite on a loopback port and a DynamoDB client for it. */
export async function startDynalite(region) {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${server.address().port}`, region, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  return { server, client };
}

/**
 * Fills `table` with `events` events, the i-th on camera i mod 8 at an even spread over 2026; `itemsOf({ i, camera,
 * startMs, id, key })` gives its items (the catalog's entryItems). Returns the seconds it took and the 1-minute load
 * average before and after (the machine is shared: figures measured under load say so).
 */
export async function fillEvents(client, table, events, itemsOf) {
  const load = { atStart: loadavg()[0] };
  const start = performance.now();
  let batch = [];
  const flush = async () => {
    if (batch.length === 0) return;
    let items = { [table]: batch.map((Item) => ({ PutRequest: { Item: marshall(Item, { removeUndefinedValues: true }) } })) };
    batch = [];
    while (items && Object.keys(items).length > 0) items = (await client.send(new BatchWriteItemCommand({ RequestItems: items }))).UnprocessedItems;
  };
  for (let i = 0; i < events; i++) {
    const camera = CAMERAS[i % CAMERAS.length];
    const startMs = T0 + Math.floor((i * 365 * 86_400_000) / events);
    const id = `${camera}-${i}`;
    for (const item of itemsOf({ i, camera, startMs, id, key: `clips/${camera}/2026/01/01/${id}.mp4` })) {
      batch.push(item);
      if (batch.length === 25) await flush();
    }
    if ((i + 1) % 10_000 === 0) process.stderr.write(`${i + 1} events in ${Math.round((performance.now() - start) / 1000)} s\n`);
  }
  await flush();
  load.afterFill = loadavg()[0];
  return { seconds: Math.round((performance.now() - start) / 100) / 10, load };
}

/** The load averages as recorded in the results (2 decimals). */
export const loadFigures = (load) => Object.fromEntries(Object.entries({ ...load, atEnd: loadavg()[0] }).map(([k, v]) => [k, Math.round(v * 100) / 100]));
