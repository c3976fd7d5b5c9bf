import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoEventCatalog } from '../../src/lib/catalog/dynamodb/index.js';
import { runCctv, tempProject } from '../helpers/cli.js';
import { startDynamo, type DynamoTestServer } from '../helpers/dynamodb.js';
import { eventManifest, plainManifest } from './fixtures.js';

/** `cctv cloud reindex` through the binary: the site's manifests (file:// storage here) into dynalite. */
let dynamo: DynamoTestServer;
let project: { dir: string; configPath: string };
const AWS = { AWS_ACCESS_KEY_ID: 'dynalite', AWS_SECRET_ACCESS_KEY: 'dynalite', AWS_REGION: 'us-east-1' };

beforeAll(async () => {
  dynamo = await startDynamo();
  project = tempProject({ site: 'home', storage: { url: 'file://./archive' } });
  const put = (key: string, m: unknown) => {
    mkdirSync(path.dirname(path.join(project.dir, 'archive', key)), { recursive: true });
    writeFileSync(path.join(project.dir, 'archive', key), JSON.stringify(m));
  };
  put('clips/front/2024/05/01/front-20240501T120002Z-ab12.json', eventManifest);
  put('clips/side/2024/05/01/side-x.json', plainManifest);
  put('clips/side/2024/05/01/side-x.mp4', 'not a manifest');
});
afterAll(async () => {
  await dynamo?.stop();
  if (project) rmSync(project.dir, { recursive: true, force: true });
});

describe('cctv cloud reindex', () => {
  it("indexes the site's manifests, prints a summary; needs --table and a site", async () => {
    const r = await runCctv(['cloud', 'reindex', '--table', dynamo.tableName, '--dynamodb-endpoint', dynamo.endpoint], { cwd: project.dir, env: AWS });
    expect(r.stderr).toMatch(/site home: 2 manifests, 2 indexed/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ site: 'home', table: dynamo.tableName, manifests: 2, indexed: 2, failed: 0 });
    const page = await dynamoEventCatalog({ client: dynamo.client, tableName: dynamo.tableName, site: 'home' }).listEvents({ cameras: [], labels: [], limit: 10 });
    expect(page.events.map((e) => e.clipKey)).toEqual(['clips/side/2024/05/01/side-x.mp4', 'clips/front/2024/05/01/front-20240501T120002Z-ab12.mp4']);

    const noTable = await runCctv(['cloud', 'reindex'], { cwd: project.dir, env: AWS });
    expect([noTable.code, noTable.stderr]).toEqual([2, 'cctv: cloud reindex: --table is required (Terraform output events_table_name)\n']);
    const other = tempProject({});
    const noSite = await runCctv(['cloud', 'reindex', '--table', 't'], { cwd: other.dir, env: AWS });
    expect(noSite.code).toBe(2);
    expect(noSite.stderr).toMatch(/set `site` in the configuration/);
    rmSync(other.dir, { recursive: true, force: true });
  }, 60_000);
});
