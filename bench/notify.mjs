// Notification benchmark: for each sink, the time from `send(alert)` to the phone-side receiver holding the whole
// request (HTTP sinks: a node:http receiver; MQTT: a subscriber, with mosquitto), and the bytes cctv sends per alert
// (HTTP: counted on the receiver's socket; MQTT: counted by a TCP proxy in front of the broker, MQTT framing
// included). All on loopback; the snapshot is a real 640 px poster of vtest.avi made with the product's own ffmpeg
// arguments. Plain node against the compiled library:
//   npm run build && node bench/notify.mjs [alerts per sink, default 40]
// Writes bench/results/notify.json.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'lib');
const load = (p) => import(path.join(dist, p));
const { createListedSink, sinkConfigSchema } = await load('alerts/sinks.js');
const { createMqttSink } = await load('alerts/mqtt.js');
const { bufferMedia } = await load('alerts/media.js');
const { composeAlert } = await load('alerts/message.js');
const { openDb } = await load('catalog/db.js');
const { posterArgs } = await load('ffmpeg/args.js');
const { runFfmpeg } = await load('ffmpeg/run.js');
const { ensureVtest } = await load('detect/footage.js');

const N = Number(process.argv[2] ?? 40);
const work = await mkdtemp(path.join(tmpdir(), 'cctv-bench-notify-'));
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** A receiver that notes when each request has fully arrived and how many bytes its socket carried for it. */
async function receiver() {
  const state = { waiters: [], done: [] };
  const server = createServer((req, res) => {
    const sock = req.socket;
    const before = sock.cctvRead ?? 0;
    req.on('data', () => {});
    req.on('end', () => {
      const at = process.hrtime.bigint();
      sock.cctvRead = sock.bytesRead;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"status":1}');
      const w = state.waiters.shift();
      w?.({ at, bytes: sock.bytesRead - before });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    next: () => new Promise((resolve) => state.waiters.push(resolve)),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

async function mosquitto() {
  const port = await freePort();
  const conf = path.join(work, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => new Promise((r) => (proc.once('exit', r), proc.kill('SIGTERM'))) };
}

/** A TCP proxy in front of the broker counting the bytes the client sends. */
async function countingProxy(target) {
  const counter = { bytes: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    client.on('data', (d) => (counter.bytes += d.length));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, counter, close: () => new Promise((r) => server.close(r)) };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

const results = [];
try {
  const posterFile = path.join(work, 'poster.jpg');
  await runFfmpeg(posterArgs(await ensureVtest(), 12, posterFile));
  const snapshot = await readFile(posterFile);
  const alertAt = (i) => {
    const at = new Date().toISOString();
    const a = composeAlert({
      camera: 'front', eventId: `bench-${i}`, labels: [{ name: 'person', confidence: 0.91, at }], alertOn: ['person'], detector: 'local',
      clip: `https://nvr.example/media/clip/clips/front/2024/05/01/bench-${i}.mp4`, poster: `https://nvr.example/media/poster/clips/front/2024/05/01/bench-${i}.mp4`,
    });
    return { ...a, media: bufferMedia(snapshot) };
  };

  const rx = await receiver();
  const http = {
    ntfy: { type: 'ntfy', url: `${rx.origin}/front-door`, token: 'tk_benchmark0000000000000000' },
    pushover: { type: 'pushover', token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi', user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', apiUrl: `${rx.origin}/1/messages.json` },
    telegram: { type: 'telegram', token: '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11', chatId: -1001234567890, apiUrl: rx.origin },
    gotify: { type: 'gotify', url: rx.origin, token: 'AvKcy9o-yvVhyKd' },
    apprise: { type: 'apprise', url: `${rx.origin}/notify/cctv` },
    webhook: { type: 'webhook', url: `${rx.origin}/hook` },
    'webhook (Slack template)': { type: 'webhook', url: `${rx.origin}/slack`, body: { text: '{{title}}: {{message}} <{{clip}}|Play>' } },
  };
  for (const [name, cfg] of Object.entries(http)) {
    const sink = createListedSink(sinkConfigSchema.parse(cfg), 'UTC');
    const ms = [];
    const bytes = [];
    for (let i = 0; i < N + 3; i++) {
      const arrived = rx.next();
      const t0 = process.hrtime.bigint();
      await sink.send(alertAt(i));
      const r = await arrived;
      if (i >= 3) (ms.push(Number(r.at - t0) / 1e6), bytes.push(r.bytes)); // the first 3 warm up the connection
    }
    await sink.close();
    results.push({ sink: name, attaches: ['ntfy', 'pushover', 'telegram', 'apprise'].includes(name), p50Ms: round(pct(ms, 0.5), 2), p95Ms: round(pct(ms, 0.95), 2), maxMs: round(Math.max(...ms), 2), bytesPerAlert: Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length) });
  }
  await rx.close();

  // MQTT / Home Assistant: send → the subscriber has the last message of the alert (the event JSON).
  const broker = await mosquitto();
  const proxy = await countingProxy(broker.port);
  const { default: mqtt } = await import('mqtt');
  const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
  const waiters = [];
  subscriber.on('message', (topic) => {
    if (topic === 'cctv/front/event') waiters.shift()?.(process.hrtime.bigint());
  });
  await subscriber.subscribeAsync('cctv/front/event', { qos: 1 });
  await mkdir(path.join(work, 'db'), { recursive: true });
  const db = openDb(path.join(work, 'db'));
  const sink = createMqttSink({
    url: `mqtt://127.0.0.1:${proxy.port}`, prefix: 'cctv', discoveryPrefix: 'homeassistant', discovery: true, cameras: ['front'], alertOn: ['person'],
    offAfterSeconds: 60, snoozeMinutes: 0, factsEverySeconds: 3600, version: 'bench', db,
    facts: async () => ({ cameras: [], uploadBacklog: null, diskFreeGb: null }),
  });
  await sink.ready();
  const ms = [];
  const bytes = [];
  for (let i = 0; i < N + 3; i++) {
    const arrived = new Promise((r) => waiters.push(r));
    const before = proxy.counter.bytes;
    const t0 = process.hrtime.bigint();
    await sink.send(alertAt(i));
    const at = await arrived;
    if (i >= 3) (ms.push(Number(at - t0) / 1e6), bytes.push(proxy.counter.bytes - before));
  }
  await sink.close();
  db.close();
  await subscriber.endAsync();
  await proxy.close();
  await broker.stop();
  results.push({ sink: 'mqtt (Home Assistant)', attaches: true, p50Ms: round(pct(ms, 0.5), 2), p95Ms: round(pct(ms, 0.95), 2), maxMs: round(Math.max(...ms), 2), bytesPerAlert: Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length) });

  const out = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model.split(' ').slice(0, 2).join(' '), node: process.version },
    alertsPerSink: N,
    snapshotBytes: snapshot.length,
    note: 'loopback; time from send() to the receiver holding the whole request (MQTT: the subscriber has the alert JSON, the last of its messages); bytes sent by cctv per alert, headers and framing included',
    results,
  };
  await mkdir(path.join(here, 'results'), { recursive: true });
  await writeFile(path.join(here, 'results', 'notify.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`snapshot ${snapshot.length} bytes, ${N} alerts per sink\n`);
  console.log('| sink | picture attached | p50 | p95 | max | bytes per alert |\n|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.sink} | ${r.attaches ? 'yes' : 'no (link)'} | ${r.p50Ms} ms | ${r.p95Ms} ms | ${r.maxMs} ms | ${r.bytesPerAlert.toLocaleString('en')} |`);
} finally {
  await rm(work, { recursive: true, force: true });
}
