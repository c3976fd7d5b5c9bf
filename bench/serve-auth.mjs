// Benchmark of the web app's sign-in (run `npm run build` first): `node bench/serve-auth.mjs`.
// 1. What a sign-in costs: scrypt hash and verify with the chosen parameters, and POST /auth/sign-in end to end over
//    HTTP on loopback (goal: ~50–100 ms, slow for guessing, quick for a person).
// 2. What authentication adds to every request: /api/events?limit=50 on a catalog of 10,000 events, without sign-in
//    vs a session cookie (one catalog lookup by primary key), an API token (sha256 + lookup) and remembered HTTP Basic;
//    p50/p99 of sequential requests and requests/s with 8 concurrent clients, in 3 alternating rounds (medians).
// 3. identify() alone: microseconds per call for a session and a token.
// Results go to bench/results/serve-auth.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { accessLogStore } from '../dist/lib/catalog/access-log.js';
import { openDb } from '../dist/lib/catalog/db.js';
import { sqliteEventCatalog } from '../dist/lib/catalog/sqlite-event-catalog.js';
import { configSchema } from '../dist/lib/config/schema.js';
import { addAccount } from '../dist/lib/serve/auth/accounts.js';
import { localAuthenticator } from '../dist/lib/serve/auth/local.js';
import { hashPassword, SCRYPT_PARAMS, verifyPassword } from '../dist/lib/serve/auth/passwords.js';
import { createToken } from '../dist/lib/serve/auth/tokens.js';
import { createApp, listen } from '../dist/lib/serve/index.js';
import { openStorage } from '../dist/lib/storage/index.js';

const EVENTS = 10_000;
const loadAtStart = os.loadavg()[0]; // other work on the machine inflates every figure: read them with it
const dir = mkdtempSync(path.join(tmpdir(), 'cctv-bench-auth-'));
const T0 = Date.UTC(2024, 4, 1);
const config = configSchema.parse({ dataDir: dir, cameras: { front: { url: 'rtsp://127.0.0.1/x' } }, storage: { url: `file://${dir}/archive` } });
const db = openDb(dir);
db.transaction(() => {
  const ev = db.prepare(`INSERT INTO events (id, camera, state, start_ms, end_ms, labels, source, topic, updated_ms) VALUES (?, 'front', 'end', ?, ?, '["motion"]', 'onvif', 'x', 0)`);
  for (let i = 0; i < EVENTS; i++) ev.run(`front-${i}`, T0 + i * 25_000, T0 + i * 25_000 + 10_000);
})();
const PASSWORD = 'correct horse battery staple';
await addAccount(db, { name: 'ada', password: PASSWORD, role: 'admin' });
const { token } = createToken(db, { name: 'bench', role: 'viewer', createdBy: 'bench', expiresMs: null });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// ---- 1. sign-in cost ----
const hashMs = [];
const verifyMs = [];
let phc = '';
for (let i = 0; i < 20; i++) {
  let t = performance.now();
  phc = await hashPassword(PASSWORD);
  hashMs.push(performance.now() - t);
  t = performance.now();
  await verifyPassword(PASSWORD, phc);
  verifyMs.push(performance.now() - t);
}

const storage = openStorage(config.storage.url);
const accessLog = accessLogStore(db);
const catalog = sqliteEventCatalog(db);
const apps = {
  none: createApp({ catalog, config, storage }),
  local: createApp({ catalog, config, storage, accessLog, authenticator: localAuthenticator({ db, accessLog }) }),
};
const servers = { none: await listen(apps.none, '127.0.0.1', 0), local: await listen(apps.local, '127.0.0.1', 0) };
// A fresh keep-alive agent per measurement: a socket left idle past the server's keep-alive timeout (5 s) while
// another mode is measured would be reset under the next request.
let agent = new Agent({ keepAlive: true, maxSockets: 16 });

function call(server, p, { method = 'GET', headers = {}, body } = {}) {
  const base = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: base.hostname, port: base.port, path: p, method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode, headers: res.headers, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const signInMs = [];
let cookie = '';
for (let i = 0; i < 20; i++) {
  const res = await call(servers.local, '/auth/sign-in', {
    method: 'POST', headers: { 'content-type': 'application/json', origin: servers.local.url }, body: JSON.stringify({ username: 'ada', password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status}`);
  signInMs.push(res.ms);
  cookie = res.headers['set-cookie'][0].split(';')[0];
}

// ---- 2. per-request overhead ----
const PATH = '/api/events?limit=50';
const modes = {
  'no sign-in (loopback)': [servers.none, {}],
  'session cookie': [servers.local, { cookie }],
  'API token (Bearer)': [servers.local, { authorization: `Bearer ${token}` }],
  'HTTP Basic (remembered)': [servers.local, { authorization: `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}` }],
};
async function measure(server, headers, n = 600) {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 16 });
  for (let i = 0; i < 50; i++) await call(server, PATH, { headers });
  const times = [];
  for (let i = 0; i < n; i++) {
    const r = await call(server, PATH, { headers });
    if (r.status !== 200) throw new Error(`${PATH}: ${r.status}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  let done = 0;
  const until = Date.now() + 2000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (Date.now() < until) {
      await call(server, PATH, { headers });
      done++;
    }
  }));
  return { p50: pct(times, 50), p99: pct(times, 99), rps: done / 2 };
}
const rounds = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
for (let r = 0; r < 3; r++) for (const [name, [server, headers]] of Object.entries(modes)) rounds[name].push(await measure(server, headers));
const perRequest = Object.entries(rounds).map(([name, rs]) => ({
  mode: name, p50Ms: round(median(rs.map((x) => x.p50))), p99Ms: round(median(rs.map((x) => x.p99))), requestsPerSecond: Math.round(median(rs.map((x) => x.rps))),
}));

// ---- 3. identify() alone ----
const auth = localAuthenticator({ db, accessLog });
const client = { address: '127.0.0.1', secure: false };
async function identifyUs(headers, n = 20_000) {
  const req = new Request('http://127.0.0.1/api/events', { headers });
  for (let i = 0; i < 1000; i++) await auth.identify(req, client);
  const t = performance.now();
  for (let i = 0; i < n; i++) await auth.identify(req, client);
  return round(((performance.now() - t) / n) * 1000, 1);
}
const identify = { sessionUs: await identifyUs({ cookie }), tokenUs: await identifyUs({ authorization: `Bearer ${token}` }), nobodyUs: await identifyUs({}) };

await servers.none.close();
await servers.local.close();
agent.destroy();
db.close();
rmSync(dir, { recursive: true, force: true });

const none = perRequest[0];
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg()[0] },
  signIn: {
    scrypt: SCRYPT_PARAMS,
    memoryMiB: (128 * 2 ** SCRYPT_PARAMS.ln * SCRYPT_PARAMS.r) / 2 ** 20,
    hashMedianMs: round(median(hashMs), 1),
    verifyMedianMs: round(median(verifyMs), 1),
    verifyMinMs: round(Math.min(...verifyMs), 1),
    signInHttpMedianMs: round(median(signInMs), 1),
    goal: '~50–100 ms',
  },
  catalogEvents: EVENTS,
  perRequest: perRequest.map((m) => ({ ...m, p50OverheadMs: round(m.p50Ms - none.p50Ms) })),
  identify,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/serve-auth.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
