import onvif from 'onvif';
import { errorMessage } from '../errors.js';
import { call } from '../events/onvif/session.js';
import type { StreamProfile, Target } from './plan.js';

/**
 * The ONVIF side of `cctv init` (the `onvif` package): WS-Discovery on the local network, a unicast check of an
 * address (GetSystemDateAndTime needs no credentials), and reading a camera's identity, profiles and stream URIs.
 */

const never = new AbortController().signal;

/** Cameras answering a WS-Discovery Probe (multicast 239.255.255.250:3702) within `timeoutMs`. */
export function discover(timeoutMs: number): Promise<Target[]> {
  return new Promise((resolve) => {
    onvif.Discovery.probe({ timeout: timeoutMs, resolve: false }, (_err, devices) => {
      const found = new Map<string, Target>();
      for (const d of devices ?? []) {
        const xaddrs = String((d as { probeMatches?: { probeMatch?: { XAddrs?: string } } }).probeMatches?.probeMatch?.XAddrs ?? '');
        const first = xaddrs.split(/\s+/).find((a) => /^https?:\/\//.test(a));
        if (!first) continue;
        const u = new URL(first);
        const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
        found.set(`${u.hostname}:${port}`, { host: u.hostname, port });
      }
      resolve([...found.values()]);
    });
  });
}

const cam = (t: Target, timeoutMs: number, creds?: { username: string; password: string }) =>
  new onvif.Cam({ hostname: t.host, port: t.port, timeout: timeoutMs, autoconnect: false, preserveAddress: true, ...creds });

/** True when an ONVIF device answers at `t` (no credentials needed). */
export async function isOnvifDevice(t: Target, timeoutMs: number): Promise<boolean> {
  try {
    const c = cam(t, timeoutMs);
    await call('GetSystemDateAndTime', timeoutMs, never, (cb) => c.getSystemDateAndTime(cb as never));
    return true;
  } catch {
    return false;
  }
}

export interface DeviceInfo {
  manufacturer: string;
  model: string;
  profiles: StreamProfile[];
}

/** Connects with credentials and reads the device's identity and each video profile's RTSP stream URI. */
export async function readDevice(t: Target, creds: { username: string; password: string }, timeoutMs: number): Promise<DeviceInfo> {
  const c = cam(t, timeoutMs, creds);
  await call('connect', timeoutMs * 4, never, (cb) => c.connect(cb as never));
  const info = await call<{ manufacturer?: string; model?: string }>('GetDeviceInformation', timeoutMs, never, (cb) => c.getDeviceInformation(cb as never));
  const profiles: StreamProfile[] = [];
  for (const p of c.profiles ?? []) {
    const vec = p.videoEncoderConfiguration as { encoding?: string; resolution?: { width?: number; height?: number } } | undefined;
    if (!vec) continue;
    const token = String((p as { $?: { token?: string } }).$?.token ?? '');
    try {
      const stream = await call<{ uri: string }>('GetStreamUri', timeoutMs, never, (cb) => c.getStreamUri({ protocol: 'RTSP', profileToken: token }, cb as never));
      profiles.push({
        token, name: String(p.name ?? token), width: Number(vec.resolution?.width ?? 0), height: Number(vec.resolution?.height ?? 0),
        encoding: String(vec.encoding ?? '?'), uri: stream.uri,
      });
    } catch (err) {
      throw new Error(`profile ${token}: no stream URI (${errorMessage(err)})`);
    }
  }
  return { manufacturer: String(info.manufacturer ?? '?'), model: String(info.model ?? '?'), profiles };
}
