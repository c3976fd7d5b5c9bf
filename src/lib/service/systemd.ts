import path from 'node:path';

/**
 * The systemd unit of `cctv run` (pure: tested by `systemd-analyze verify`). The service runs as a dedicated system
 * user, reads its secrets from an EnvironmentFile, restarts always, and sees the file system read-only except its
 * data folder (and a file:// store outside it).
 */
export interface UnitOptions {
  /** The node binary and cctv's bin/cctv.js, absolute. */
  node: string;
  bin: string;
  config: string;
  /** KEY=value lines with the `${VAR}` secrets (cctv init writes cctv.env beside the config). */
  envFile: string;
  user: string;
  /** Folders the service writes: the data folder, a file:// store outside it. */
  writable: string[];
}

/** Folders ProtectHome=yes hides: a cctv or node installed there cannot start under this unit. */
export const HOME_FOLDERS = ['/home', '/root', '/run/user'];

export function underHome(p: string): boolean {
  return HOME_FOLDERS.some((h) => p === h || p.startsWith(`${h}/`));
}

const quote = (s: string) => (/[\s"'\\]/.test(s) ? `"${s.replace(/(["\\])/g, '\\$1')}"` : s);

export function systemdUnit(o: UnitOptions): string {
  const writable = [...new Set(o.writable.map((p) => path.resolve(p)))];
  return `# cctv: every stage in one supervised process (cctv run).
# Written by \`cctv service install\`; \`cctv service uninstall\` removes it.
[Unit]
Description=cctv NVR (record, events, upload, analyze, serve, prune)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${o.user}
Group=${o.user}
# Secrets for the \${VAR}s of the config (mode 0640, root:${o.user}); a missing file is an error in the log.
EnvironmentFile=${quote(o.envFile)}
Environment=CCTV_CONFIG=${quote(o.config)}
Environment=CCTV_LOG_FORMAT=json
ExecStart=${quote(o.node)} ${quote(o.bin)} run
# cctv finalises the open segments on SIGTERM; a second signal would truncate them.
KillSignal=SIGTERM
KillMode=mixed
TimeoutStopSec=60
Restart=always
RestartSec=5
WorkingDirectory=${quote(writable[0]!)}
UMask=0027

# Hardening: nothing but the data folder is writable, no new privileges, no home folders, a private /tmp.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${writable.map(quote).join(' ')}
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
CapabilityBoundingSet=
# AF_NETLINK: the network interfaces (ONVIF discovery); node's JIT needs writable+executable memory.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`;
}
