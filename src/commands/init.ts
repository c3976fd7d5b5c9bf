import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import PQueue from 'p-queue';
import type { CommandContext } from '../lib/context.js';
import { errorMessage, RuntimeError, UserError } from '../lib/errors.js';
import { measureKeyframeInterval, probeStream } from '../lib/ffmpeg/probe.js';
import { discover, isOnvifDevice, readDevice } from '../lib/init/onvif.js';
import { configText, envText, parseTargets, pickStreams, type FoundCamera, type Target } from '../lib/init/plan.js';
import { log } from '../lib/log.js';
import { registerSecret } from '../lib/redact.js';

export interface InitOptions {
  discover?: boolean;
  probe?: string[];
  username?: string;
  passwordEnv?: string;
  out?: string;
  secretsFile?: string;
  dataDir?: string;
  segmentSeconds?: string;
  keyframeCheck?: boolean;
  force?: boolean;
  timeout?: string;
}

/** Asks on stderr (stdout stays data); a password is not echoed. */
async function ask(question: string, secret = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (secret) {
    const w = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
    w._writeToOutput = (s: string) => {
      if (s.startsWith(question)) w.output.write(question);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (secret) process.stderr.write('\n');
    rl.close();
  }
}

/**
 * `cctv init`: finds the ONVIF cameras (WS-Discovery, plus --probe addresses and subnets, since multicast does not
 * cross subnets), reads each one's profiles and stream URIs with the credentials (asked for, or --username and
 * --password-env), checks the main stream's keyframe interval, and writes a commented cctv.config.yaml with the
 * passwords as ${VAR}s and cctv.env (0600) with their values.
 */
export async function init(opts: InitOptions, _ctx: CommandContext): Promise<void> {
  const out = path.resolve(opts.out ?? 'cctv.config.yaml');
  const envFile = path.resolve(opts.secretsFile ?? path.join(path.dirname(out), 'cctv.env'));
  for (const f of [out, envFile]) if (existsSync(f) && !opts.force) throw new UserError(`${f} exists: choose another --out/--secrets-file, or --force to replace it`);
  const segmentSeconds = Number(opts.segmentSeconds ?? 900);
  if (!Number.isInteger(segmentSeconds) || segmentSeconds < 10 || segmentSeconds > 3600) throw new UserError(`--segment-seconds ${opts.segmentSeconds}: a whole number from 10 to 3600`);
  const timeoutMs = Number(opts.timeout ?? 3) * 1000;
  if (!(timeoutMs > 0)) throw new UserError(`--timeout ${opts.timeout}: seconds, e.g. 3`);

  const targets = new Map<string, Target>();
  const probes = parseTargets(opts.probe ?? []);
  if (opts.discover !== false) {
    process.stderr.write('looking for ONVIF cameras (WS-Discovery)…\n');
    for (const t of await discover(timeoutMs)) targets.set(`${t.host}:${t.port}`, t);
  }
  if (probes.length > 0) {
    process.stderr.write(`probing ${probes.length} address${probes.length > 1 ? 'es' : ''}…\n`);
    const queue = new PQueue({ concurrency: 32 });
    await Promise.all(probes.map((t) => queue.add(async () => {
      if (await isOnvifDevice(t, timeoutMs)) targets.set(`${t.host}:${t.port}`, t);
    })));
  }
  if (targets.size === 0) {
    throw new RuntimeError('no ONVIF camera found: check the camera is on and ONVIF is enabled in its settings; on another subnet, name it with --probe ADDRESS[:PORT] or --probe SUBNET/24');
  }
  process.stderr.write(`found ${[...targets.keys()].join(', ')}\n`);

  const interactive = process.stdin.isTTY === true;
  const username = opts.username ?? (interactive ? await ask('camera user name: ') : undefined);
  let password = opts.passwordEnv ? process.env[opts.passwordEnv] : undefined;
  if (opts.passwordEnv && password === undefined) throw new UserError(`--password-env ${opts.passwordEnv}: that environment variable is not set`);
  if (password === undefined && interactive) password = await ask(`password of ${username}: `, true);
  if (!username || password === undefined) throw new UserError('credentials needed: --username NAME --password-env VARIABLE (the password is read from that variable), or run on a terminal to be asked');
  registerSecret(password);

  const cameras: FoundCamera[] = [];
  const secrets: Record<string, string> = {};
  const sorted = [...targets.values()].sort((a, b) => `${a.host}:${a.port}`.localeCompare(`${b.host}:${b.port}`, undefined, { numeric: true }));
  for (const [i, t] of sorted.entries()) {
    const name = `camera${i + 1}`;
    const passwordVar = `${name.toUpperCase()}_PASSWORD`;
    let device;
    try {
      device = await readDevice(t, { username, password }, timeoutMs);
    } catch (err) {
      log.warn({ camera: `${t.host}:${t.port}` }, `cannot read ${t.host}:${t.port}: ${errorMessage(err)} (wrong credentials?); left out`);
      continue;
    }
    const { main, sub } = pickStreams(device.profiles);
    let keyframeSeconds: number | null = null;
    let keyframeNote = 'keyframe interval not checked';
    if (opts.keyframeCheck !== false) {
      const url = new URL(main.uri);
      url.username = encodeURIComponent(username);
      url.password = encodeURIComponent(password);
      const watch = Math.min(segmentSeconds + 2, 30);
      try {
        keyframeSeconds = (await probeStream(url.toString())).keyframeInterval ?? (await measureKeyframeInterval(url.toString(), watch));
        keyframeNote = keyframeSeconds === null
          ? `WARNING: no keyframe within ${watch}s: set the camera's I-frame interval (GOP) to 1-2 s`
          : keyframeSeconds > Math.min(4, segmentSeconds)
            ? `WARNING: keyframes every ${keyframeSeconds}s: clips start late and segments run long; set the I-frame interval (GOP) to 1-2 s`
            : `keyframes every ${keyframeSeconds}s (good)`;
      } catch (err) {
        keyframeNote = `keyframe interval not checked: the stream did not open (${errorMessage(err)})`;
      }
    }
    cameras.push({ name, host: t.host, port: t.port, manufacturer: device.manufacturer, model: device.model, username, passwordVar, main, sub, keyframeSeconds, keyframeNote });
    secrets[passwordVar] = password;
    process.stderr.write(`${name}: ${device.manufacturer} ${device.model} at ${t.host}:${t.port}, main ${main.width}x${main.height}${sub ? `, sub ${sub.width}x${sub.height}` : ''}; ${keyframeNote}\n`);
  }
  if (cameras.length === 0) throw new RuntimeError('no camera could be read with these credentials');
  writeFileSync(out, configText(cameras, { dataDir: path.resolve(opts.dataDir ?? path.join(path.dirname(out), 'cctv-data')), segmentSeconds }));
  writeFileSync(envFile, envText(secrets), { mode: 0o600 });
  chmodSync(envFile, 0o600);
  process.stdout.write(`${out}\n${envFile}\n`);
  process.stderr.write(`next: set -a; . ${envFile}; set +a; cctv --config ${out} doctor; then cctv run (or sudo cctv --config ${out} service install)\n`);
}
