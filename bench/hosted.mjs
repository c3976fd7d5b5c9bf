// The hosted web app (issue 15): /api/events through the function-URL adapter (the web Lambda's handler, a signed-in
// session in the sessions table) over dynalite holding N events (p50/p99 per query shape, and the adapter's own
// share: the same requests to app.handle directly), the bytes each answer takes, the web bundle's size and its cold
// import time (a fresh Node importing dist/lambda/web/index.mjs, as a Lambda cold start does), and the monthly cost
// of the hosted app for one home from those measured requests and bytes. Run `npm run build && npm run build:lambda`
// first. Results go to bench/results/hosted.json.
//   node bench/hosted.mjs [events=100000]
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hostedApp } from '../dist/lambda/web.js';
import { createTable, entryItems } from '../dist/lib/catalog/dynamodb/index.js';
import { dynamoSessionStore, sessionsTableDefinition } from '../dist/lib/catalog/hosted-sessions.js';
import { functionUrlHandler } from '../dist/lib/serve/function-url.js';
import { sha256 } from '../dist/lib/serve/auth/tokens.js';
import { S3Storage } from '../dist/lib/storage/index.js';
import { fillEvents, loadFigures, startDynalite, stats } from './dynalite-events.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const EVENTS = Number(process.argv[2] ?? 100_000);
const HOST = 'd111111abcdef8.cloudfront.net';

// dynalite in this process, spoken to by the real SDK client; the events and sessions tables as Terraform makes them.
const { server, client } = await startDynalite('eu-west-2');
await createTable(client, 'cctv-events');
await client.send(new CreateTableCommand(sessionsTableDefinition('cctv-web-sessions')));

// N events over 8 cameras in a year; one in ten has a person found. Batch writes of the catalog's own items.
const fill = await fillEvents(client, 'cctv-events', EVENTS, ({ i, camera, startMs, id, key }) => entryItems('home', {
  eventId: id, camera, startMs, endMs: startMs + 9000, cameraLabels: ['motion'], detected: i % 10 === 0 ? [{ name: 'person', confidence: 0.9 }] : [],
  clip: { key, url: `s3://cctv-clips/home/${key}`, poster: `s3://cctv-clips/home/${key.replace(/\.mp4$/, '.jpg')}`, startMs },
}));

// The web app as the Lambda builds it (presigning is local: no S3 server needed), and a signed-in session.
const settings = {
  publicOrigin: `https://${HOST}`, userPoolId: 'eu-west-2_AbCdEf123', clientId: 'abcdefghij0123456789klmnop', cognitoDomain: 'https://cctv-1.auth.eu-west-2.amazoncognito.com',
  storageUrl: 's3://cctv-clips', eventsTable: 'cctv-events', sessionsTable: 'cctv-web-sessions', sites: ['home'], adminGroup: 'admins', presignSeconds: 300,
  sessionIdleHours: 72, sessionMaxDays: 30, logLevel: 'warn',
};
process.env.AWS_ACCESS_KEY_ID ??= 'bench'; // presigning needs credentials, not a server
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
const storage = new S3Storage('s3://cctv-clips', { region: 'eu-west-2', checksums: 'when_required' });
const app = await hostedApp(settings, { env: { AWS_REGION: 'eu-west-2' }, dynamo: client, storage });
const handler = functionUrlHandler(app, HOST);
const sessionId = 'b'.repeat(43);
const now = Date.now();
await dynamoSessionStore(DynamoDBDocumentClient.from(client), 'cctv-web-sessions').put({
  idHash: sha256(sessionId), user: 'bench', role: 'viewer', sites: ['home'], signedInMs: now, seenMs: now, checkMs: now + 86_400_000, refreshToken: 'x', expiresAt: Math.ceil(now / 1000) + 86_400,
});
const event = (pathAndQuery) => {
  const [rawPath, rawQueryString = ''] = pathAndQuery.split('?');
  return {
    version: '2.0', rawPath, rawQueryString, cookies: [`__Host-cctv-session=${sessionId}`],
    headers: { host: 'abc.lambda-url.eu-west-2.on.aws', 'x-forwarded-for': '198.51.100.7, 130.176.0.1', authorization: 'AWS4-HMAC-SHA256 Credential=x', accept: 'application/json' },
    requestContext: { http: { method: 'GET', sourceIp: '130.176.0.1' } }, isBase64Encoded: false,
  };
};
const direct = (pathAndQuery) => app.handle(new Request(`https://${HOST}${pathAndQuery}`, { headers: { host: HOST, cookie: `__Host-cctv-session=${sessionId}`, accept: 'application/json' } }), { remoteAddress: '198.51.100.7', secure: true });

const SHAPES = {
  newestPage: '/api/events?site=home&limit=48',
  person: '/api/events?site=home&label=person&limit=48',
  oneCamera: '/api/events?site=home&camera=front&limit=48',
};
const ROUNDS = 150;
const listing = {};
const bytes = {};
for (const [name, q] of Object.entries(SHAPES)) {
  for (let i = 0; i < 5; i++) await handler(event(q)); // warm
  const viaAdapter = [];
  const viaApp = [];
  let next = null;
  for (let i = 0; i < ROUNDS; i++) {
    // Every fifth request is the next page (a scroll), the rest the first page again.
    const page = i % 5 === 4 && next ? `${q}&before=${encodeURIComponent(next)}` : q;
    let t = performance.now();
    const r = await handler(event(page));
    viaAdapter.push(performance.now() - t);
    if (r.statusCode !== 200) throw new Error(`${page}: ${r.statusCode} ${r.body}`);
    next = JSON.parse(r.body).next;
    bytes[name] = r.body.length;
    t = performance.now();
    await (await direct(page)).text();
    viaApp.push(performance.now() - t);
  }
  listing[name] = { adapter: stats(viaAdapter), appOnly: stats(viaApp) };
}
// The other answers a visit takes, through the adapter.
const first = JSON.parse((await handler(event(SHAPES.newestPage))).body).events[0];
for (const [name, p] of Object.entries({ indexHtml: '/', appJs: '/app.js', appCss: '/app.css', config: '/api/config', session: '/auth/session', posterRedirect: first.poster, clipRedirect: first.clip })) {
  const r = await handler(event(p));
  bytes[name] = Buffer.byteLength(r.body, r.isBase64Encoded ? 'base64' : 'utf8') + JSON.stringify(r.headers).length;
}
server.close();

// The bundle: size, and a cold import in a fresh Node (what a Lambda cold start pays before the first request).
const zip = path.join(root, 'dist/lambda/web.zip');
const bundleDir = path.join(root, 'dist/lambda/web');
const coldImport = [];
for (let i = 0; i < 5; i++) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(path.join(bundleDir, 'index.mjs'))}); process.stdout.write(String(performance.now() - t));`], { encoding: 'utf8' });
  coldImport.push(Number(out));
}
const bundle = { zipBytes: statSync(zip).size, indexMjsBytes: statSync(path.join(bundleDir, 'index.mjs')).size, coldImport: stats(coldImport) };

// Monthly cost of the hosted app for one home (8 cameras, 100 events a day), from the requests and bytes above.
const visits = { perDay: 6, eventsPages: 2, postersPerPage: 48, clipsPlayed: 3, rangeRequestsPerClip: 4 };
const perVisit = {
  lambdaRequests: 4 /* static, 304 after the first */ + 2 /* config, session */ + visits.eventsPages * (1 + visits.postersPerPage) + visits.clipsPlayed,
  cloudFrontBytes: bytes.indexHtml + bytes.appJs + bytes.appCss + bytes.config + bytes.session + visits.eventsPages * (bytes.newestPage + visits.postersPerPage * bytes.posterRedirect) + visits.clipsPlayed * bytes.clipRedirect,
  s3Gets: visits.eventsPages * visits.postersPerPage + visits.clipsPlayed * visits.rangeRequestsPerClip,
  s3Bytes: visits.eventsPages * visits.postersPerPage * 40_000 + visits.clipsPlayed * 2_524_367,
  dynamoReadUnits: visits.eventsPages * 13 /* a 48-item page of ~1 KB items, eventually consistent */ + (4 + 2 + visits.eventsPages * 49 + visits.clipsPlayed) /* a session read each */ + visits.clipsPlayed,
};
const month = 30 * visits.perDay;
const p50 = listing.newestPage.adapter.p50Ms;
const prices = { lambdaPerMillion: 0.2, lambdaGbSecond: 1.66667e-5, cloudFrontPer10kHttps: 0.01, cloudFrontPerGb: 0.085, s3GetPer1000: 0.0004, s3EgressPerGb: 0.09, dynamoPerMillionRru: 0.125, cognitoMauLite: 0, logsIngestGb: 0.5 };
const lines = {
  lambda: month * perVisit.lambdaRequests * (prices.lambdaPerMillion / 1e6 + 0.5 * (p50 / 1000) * prices.lambdaGbSecond),
  cloudFront: month * (perVisit.lambdaRequests / 10_000) * prices.cloudFrontPer10kHttps + (month * perVisit.cloudFrontBytes / 1e9) * prices.cloudFrontPerGb,
  dynamodb: (month * perVisit.dynamoReadUnits / 1e6) * prices.dynamoPerMillionRru,
  s3Requests: (month * perVisit.s3Gets / 1000) * prices.s3GetPer1000,
  s3Egress: (month * perVisit.s3Bytes / 1e9) * prices.s3EgressPerGb,
  logs: (month * perVisit.lambdaRequests * 350 / 1e9) * prices.logsIngestGb,
  cognito: 0,
};
const round = (x) => Math.round(x * 10_000) / 10_000;
const cost = {
  home: '8 cameras, 100 events a day, 2 people looking 3 times a day each',
  visit: visits,
  perVisit,
  perMonth: Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, round(v)])),
  totalPerMonth: round(Object.values(lines).reduce((a, b) => a + b, 0)),
  withoutMediaEgress: round(Object.values(lines).reduce((a, b) => a + b, 0) - lines.s3Egress),
  prices,
  notes: [
    'Lambda at 512 MB for the measured p50 of /api/events through the adapter (in AWS, DynamoDB answers in single-digit ms: the real duration is likely shorter)',
    'Cognito Lite: the first 10,000 monthly active users cost nothing; SSM standard parameters cost nothing',
    'S3 egress: media go from S3 straight to the viewer (presigned URLs), posters 40 KB and clips 2.52 MB as measured by bench/upload.mjs; AWS gives 100 GB a month of egress free, which covers it',
    'AWS free tiers (Lambda 1M requests, CloudFront 1 TB and 10M requests, DynamoDB 25 GB) would make every line but egress zero; the figures are without them',
  ],
};

const result = {
  when: new Date().toISOString(), node: process.version,
  machine: '2 shared cores (other engineers running tests at the same time)',
  loadAverage1m: loadFigures(fill.load),
  note: 'dynalite on loopback in this process: the adapter\'s cost and the shape of the queries, not DynamoDB latency',
  events: EVENTS, fillSeconds: fill.seconds, pageSize: 48, listing, bytes, bundle, cost,
};
writeFileSync(path.join(root, 'bench/results/hosted.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ events: EVENTS, listing: Object.fromEntries(Object.entries(listing).map(([k, v]) => [k, v.adapter])), bundle, total: cost.totalPerMonth }, null, 1)}\n`);

