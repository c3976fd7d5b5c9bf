import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, waitFor } from '../helpers/ports.js';

/** A real MQTT broker (Debian's mosquitto) on a free loopback port with a temp config; anonymous, no persistence. */
export interface Broker {
  url: string;
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<Broker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cctv-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  const proc: ChildProcess = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await waitFor(`mosquitto on ${port} (${stderr})`, () => canConnect(port), 10_000, 50);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  /** The payload's bytes (a JPEG on the snapshot topic). */
  raw: Buffer;
  /** MQTT 5 message expiry interval left (s), when the message has one. */
  expiry?: number;
  at: number;
}

/** An MQTT 5 subscriber that records every message on `filter` (retained ones arrive with retain: true). */
export async function subscribe(url: string, filter: string): Promise<{ messages: Received[]; client: MqttClient; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    const expiry = packet.properties?.messageExpiryInterval;
    messages.push({ topic, payload: payload.toString(), retain: packet.retain, raw: payload, ...(expiry !== undefined ? { expiry } : {}), at: Date.now() });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { messages, client, close: () => client.endAsync() };
}
