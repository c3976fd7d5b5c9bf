import { isIP } from 'node:net';
import { stringify } from 'yaml';
import { UserError } from '../errors.js';

/** Pure parts of `cctv init`: which addresses to probe, which stream is which, and the files it writes. */

export interface Target {
  host: string;
  port: number;
}

/** The largest subnet probed address by address (a /22: 1022 hosts). */
const MAX_HOSTS = 1022;

/** `192.168.1.20`, `192.168.1.20:8000`, `cam.local`, `192.168.1.0/24` → the addresses to probe (default port 80). */
export function parseTargets(specs: readonly string[], defaultPort = 80): Target[] {
  const out: Target[] = [];
  for (const spec of specs) {
    const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(spec);
    if (cidr) {
      const bits = Number(cidr[2]);
      if (isIP(cidr[1]!) !== 4 || bits > 32) throw new UserError(`--probe ${spec}: not an IPv4 subnet (e.g. 192.168.1.0/24)`);
      const size = 2 ** (32 - bits);
      if (size - 2 > MAX_HOSTS) throw new UserError(`--probe ${spec}: ${size - 2} addresses is too many; probe a /22 or smaller`);
      const base = cidr[1]!.split('.').reduce((a, o) => a * 256 + Number(o), 0) & ~(size - 1);
      const first = size > 2 ? 1 : 0;
      for (let i = first; i < size - first; i++) out.push({ host: ipv4(base + i), port: defaultPort });
      continue;
    }
    const m = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(spec);
    if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
      throw new UserError(`--probe ${spec}: an address, address:port or subnet (192.168.1.20, 192.168.1.20:8000, 192.168.1.0/24)`);
    }
    out.push({ host: m[1]!, port: m[2] === undefined ? defaultPort : Number(m[2]) });
  }
  return out;
}

const ipv4 = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

export interface StreamProfile {
  token: string;
  name: string;
  width: number;
  height: number;
  encoding: string;
  uri: string;
}

/** The main stream (most pixels) records; the sub stream (fewest pixels, another profile) where there is one. */
export function pickStreams(profiles: readonly StreamProfile[]): { main: StreamProfile; sub: StreamProfile | null } {
  if (profiles.length === 0) throw new Error('the camera reports no media profile with a stream');
  const bySize = [...profiles].sort((a, b) => b.width * b.height - a.width * a.height);
  const main = bySize[0]!;
  const sub = bySize.length > 1 && bySize[bySize.length - 1]!.uri !== main.uri ? bySize[bySize.length - 1]! : null;
  return { main, sub };
}

/** `rtsp://host/path` with `user:${VAR}@` as its credentials (the camera's own in the URI replaced). */
export function withCredentials(uri: string, username: string, passwordVar: string): string {
  const u = new URL(uri);
  u.username = '';
  u.password = '';
  const bare = u.toString();
  const at = bare.indexOf('//') + 2;
  return `${bare.slice(0, at)}${encodeURIComponent(username)}:\${${passwordVar}}@${bare.slice(at)}`;
}

export interface FoundCamera {
  name: string;
  host: string;
  port: number;
  manufacturer: string;
  model: string;
  username: string;
  passwordVar: string;
  main: StreamProfile;
  sub: StreamProfile | null;
  /** Seconds between keyframes on the main stream, or null when not measured / none seen. */
  keyframeSeconds: number | null;
  /** What the keyframe check found, in words. */
  keyframeNote: string;
}

/** The commented cctv.config.yaml `cctv init` writes: secrets as ${VAR}, their values in the env file. */
export function configText(cameras: readonly FoundCamera[], o: { dataDir: string; segmentSeconds: number }): string {
  const lines = [
    '# cctv configuration written by `cctv init`. Every key and its default: config.example.yaml.',
    '# Secrets are ${VAR}s: their values are in the env file beside this one (cctv.env, mode 0600), which',
    '# `cctv service install` gives the service; in a shell: set -a; . ./cctv.env; set +a',
    `dataDir: ${stringify(o.dataDir).trim()}`,
    'record:',
    `  segmentSeconds: ${o.segmentSeconds}`,
    'cameras:',
  ];
  for (const c of cameras) {
    lines.push(
      `  # ${c.manufacturer} ${c.model} at ${c.host}:${c.port}`,
      `  # main stream: profile "${c.main.name}", ${c.main.encoding} ${c.main.width}x${c.main.height}; ${c.keyframeNote}`,
      `  ${c.name}:`,
      `    url: ${stringify(withCredentials(c.main.uri, c.username, c.passwordVar)).trim()}`,
    );
    if (c.sub) {
      lines.push(`    # sub stream: profile "${c.sub.name}", ${c.sub.encoding} ${c.sub.width}x${c.sub.height}`);
      lines.push(`    # subUrl: ${stringify(withCredentials(c.sub.uri, c.username, c.passwordVar)).trim()}`);
    }
    lines.push(
      '    onvif:                       # events (motion, people, vehicles) from the camera',
      `      host: ${c.host}`,
      `      port: ${c.port}`,
      `      username: ${stringify(c.username).trim()}`,
      `      password: \${${c.passwordVar}}`,
    );
  }
  lines.push(
    'serve:',
    '  host: 127.0.0.1                # another address needs sign-in: cctv user add NAME --role admin',
    '  port: 8080',
    '',
  );
  return lines.join('\n');
}

/** KEY="value" lines, read alike by systemd's EnvironmentFile and a POSIX shell (\\, ", $ and ` escaped). */
export function envText(vars: Record<string, string>): string {
  const q = (v: string) => `"${v.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
  return `# Secrets of cctv.config.yaml (written by cctv init). Keep this file private (mode 0600).\n${Object.entries(vars).map(([k, v]) => `${k}=${q(v)}`).join('\n')}\n`;
}
