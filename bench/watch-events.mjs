// Benchmark of `watch-events` (issue 3): latency from a device emitting an ONVIF event to the NDJSON record
// (p50/p99), and CPU of one process watching 32 cameras, idle and under bursts.
// Goal: p99 < 250 ms on loopback, < 1% of a core idle per camera.
//
//   npx tsc -p tsconfig.json && node bench/watch-events.mjs [--cameras 32] [--rounds 20] [--idle-seconds 30]
//
// The 32 test ONVIF devices run in a child process, so process.cpuUsage() of this one measures the watcher only.
// Both processes stamp times with performance.timeOrigin + performance.now() (the same wall clock, sub-ms).
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const now = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--devices') {
  // Child: host the devices, trigger on request, report the emission time.
  const { startOnvifDevice } = await import('../test/helpers/onvif-device/index.mjs');
  const count = Number(process.argv[3]);
  const devices = await Promise.all(Array.from({ length: count }, () => startOnvifDevice({ profile: 'hikvision' })));
  process.on('message', (m) => {
    if (m.type === 'trigger') {
      const sent = m.cameras.map((i) => {
        devices[i].trigger('motion', m.active);
        return now();
      });
      process.send({ type: 'sent', round: m.round, active: m.active, sent });
    } else if (m.type === 'close') {
      Promise.all(devices.map((d) => d.close())).then(() => process.exit(0));
    }
  });
  process.send({ type: 'ready', ports: devices.map((d) => d.port), username: devices[0].username, password: devices[0].password });
} else {
  const { values } = parseArgs({
    options: { cameras: { type: 'string', default: '32' }, rounds: { type: 'string', default: '20' }, 'idle-seconds': { type: 'string', default: '30' } },
  });
  const cameraCount = Number(values.cameras);
  const rounds = Number(values.rounds);
  const idleSeconds = Number(values['idle-seconds']);
  process.env.CCTV_LOG_LEVEL ??= 'warn';
  const { watchEvents } = await import('../dist/lib/events/watch.js');

  const child = fork(fileURLToPath(import.meta.url), ['--devices', String(cameraCount)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox = [];
  let wake = () => {};
  child.on('message', (m) => {
    inbox.push(m);
    wake();
  });
  const receive = async (type) => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0];
      await new Promise((r) => (wake = r));
    }
  };
  const ready = await receive('ready');
  const names = ready.ports.map((_, i) => `cam${String(i).padStart(2, '0')}`);
  const cameras = Object.fromEntries(
    names.map((n, i) => [n, { url: 'rtsp://unused', onvif: { host: '127.0.0.1', port: ready.ports[i], username: ready.username, password: ready.password } }]),
  );

  const arrivals = new Map(); // `${camera}/${state}` → arrival times, in order
  let online = 0;
  const ac = new AbortController();
  const done = watchEvents({
    cameras,
    events: { maxEventSeconds: 300, mergeGapSeconds: 0 },
    signal: ac.signal,
    emit: (r) => {
      const t = now();
      const key = `${r.camera}/${r.state}`;
      if (!arrivals.has(key)) arrivals.set(key, []);
      arrivals.get(key).push(t);
    },
    seen: { has: () => false, add: () => {} },
    onState: (_c, _s, state) => {
      if (state === 'online') online++;
    },
  });
  while (online < cameraCount) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000)); // let connect-time work settle

  // Idle: every camera long-polling, nothing happening.
  const idle0 = process.cpuUsage();
  const idleT0 = now();
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idleCpu = process.cpuUsage(idle0);
  const idleWallMs = now() - idleT0;
  const idleCoreFraction = (idleCpu.user + idleCpu.system) / 1000 / idleWallMs;

  // Bursts: every camera starts at once, then stops at once.
  const latencies = { start: [], end: [] };
  const all = names.map((_, i) => i);
  const busy0 = process.cpuUsage();
  const busyT0 = now();
  for (let round = 0; round < rounds; round++) {
    for (const [active, state] of [[true, 'start'], [false, 'end']]) {
      child.send({ type: 'trigger', round, active, cameras: all });
      const { sent } = await receive('sent');
      const deadline = Date.now() + 10_000;
      while (names.some((n) => (arrivals.get(`${n}/${state}`)?.length ?? 0) <= round) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      names.forEach((n, i) => {
        const got = arrivals.get(`${n}/${state}`)?.[round];
        latencies[state].push(got === undefined ? Infinity : got - sent[i]);
      });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const busyCpu = process.cpuUsage(busy0);
  const busyWallMs = now() - busyT0;

  ac.abort();
  await done;
  child.send({ type: 'close' });

  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  };
  const summary = (xs) => ({ samples: xs.length, p50: round2(pct(xs, 50)), p99: round2(pct(xs, 99)), max: round2(Math.max(...xs)) });
  const round2 = (x) => Math.round(x * 100) / 100;
  const both = [...latencies.start, ...latencies.end];
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    cameras: cameraCount,
    method: 'devices in a child process; all cameras triggered at once per burst; latency = record emitted minus device trigger',
    latencyMs: { all: summary(both), start: summary(latencies.start), end: summary(latencies.end) },
    idle: {
      seconds: round2(idleWallMs / 1000),
      percentOfOneCore: round2(idleCoreFraction * 100),
      perCameraPercentOfOneCore: round2((idleCoreFraction * 100) / cameraCount),
    },
    bursts: { rounds, seconds: round2(busyWallMs / 1000), percentOfOneCore: round2(((busyCpu.user + busyCpu.system) / 1000 / busyWallMs) * 100) },
    goals: { p99Ms: 250, idlePerCameraPercent: 1 },
  };
  result.pass = result.latencyMs.all.p99 < 250 && result.idle.perCameraPercentOfOneCore < 1;
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/watch-events.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
