import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../lib/context.js';
import { RuntimeError, UserError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { systemdUnit, underHome } from '../lib/service/systemd.js';

export interface ServiceOptions {
  print?: boolean;
  user?: string;
  name?: string;
  secretsFile?: string;
  unitDir?: string;
  start?: boolean;
}

const DEFAULTS = { user: 'cctv', name: 'cctv', unitDir: '/etc/systemd/system' };
const NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

/** True when systemd runs this machine (not a container or a chroot without it). */
function systemdRunning(): boolean {
  const r = spawnSync('systemctl', ['is-system-running'], { encoding: 'utf8' });
  return !r.error && !/offline|unknown/.test(r.stdout) && r.stdout.trim() !== '';
}

function systemctl(...args: string[]): void {
  execFileSync('systemctl', args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

function unitFor(opts: ServiceOptions, ctx: CommandContext) {
  const user = opts.user ?? DEFAULTS.user;
  const name = opts.name ?? DEFAULTS.name;
  if (!NAME.test(user)) throw new UserError(`--user ${user}: a system user name (lower case letters, digits, - and _)`);
  if (!NAME.test(name)) throw new UserError(`--name ${name}: a unit name (lower case letters, digits, - and _)`);
  if (!ctx.configPath) throw new UserError('no configuration file: write one first (cctv init), or name it with --config');
  const config = path.resolve(ctx.configPath);
  const envFile = path.resolve(opts.secretsFile ?? path.join(path.dirname(config), 'cctv.env'));
  const { dataDir, storage } = ctx.config;
  const writable = [dataDir];
  const store = storage.url?.startsWith('file://') ? fileURLToPath(storage.url) : null;
  if (store && path.relative(dataDir, store).startsWith('..')) writable.push(store);
  const bin = realpathSync(fileURLToPath(new URL('../../bin/cctv.js', import.meta.url)));
  const node = process.execPath;
  for (const [what, p] of [['node', node], ['cctv', bin], ['the config file', config], ['the data folder', dataDir]] as const) {
    if (underHome(p)) log.warn({ path: p }, `${what} is under a home folder, which the unit hides (ProtectHome=yes): install cctv system-wide (npm install -g) and keep config and data in /etc/cctv and /var/lib/cctv`);
  }
  return { user, name, envFile, dataDir, writable, text: systemdUnit({ node, bin, config, envFile, user, writable }) };
}

/**
 * `cctv service install [--print]`: the systemd unit of `cctv run` (lib/service/systemd.ts). `--print` writes it to
 * stdout. Otherwise, as root: the system user (created when missing), the data folder owned by it, the env file
 * (0640 root:user, created empty when missing), the unit in /etc/systemd/system, then `systemctl enable --now`.
 */
export async function serviceInstall(opts: ServiceOptions, ctx: CommandContext): Promise<void> {
  const u = unitFor(opts, ctx);
  if (opts.print) {
    process.stdout.write(u.text);
    return;
  }
  if (process.getuid?.() !== 0) throw new UserError('installing a service needs root: sudo cctv service install (or --print to see the unit)');
  if (spawnSync('id', ['-u', u.user]).status !== 0) {
    execFileSync('useradd', ['--system', '--user-group', '--home-dir', u.dataDir, '--no-create-home', '--shell', '/usr/sbin/nologin', u.user]);
    log.info({ user: u.user }, 'system user created');
  }
  const uid = Number(execFileSync('id', ['-u', u.user], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', u.user], { encoding: 'utf8' }));
  for (const dir of u.writable) {
    mkdirSync(dir, { recursive: true });
    execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  }
  if (!existsSync(u.envFile)) writeFileSync(u.envFile, '# KEY=value lines for the ${VAR}s of the cctv config\n');
  chownSync(u.envFile, 0, gid);
  chmodSync(u.envFile, 0o640);
  const unitDir = opts.unitDir ?? DEFAULTS.unitDir;
  const unitFile = path.join(unitDir, `${u.name}.service`);
  mkdirSync(unitDir, { recursive: true });
  writeFileSync(unitFile, u.text);
  process.stderr.write(`wrote ${unitFile} (user ${u.user}, secrets from ${u.envFile}, writable: ${u.writable.join(', ')})\n`);
  if (opts.start === false) return;
  if (!systemdRunning()) {
    process.stderr.write(`systemd is not running on this machine: once it is, start the service with\n  systemctl daemon-reload && systemctl enable --now ${u.name}\n`);
    return;
  }
  systemctl('daemon-reload');
  systemctl('enable', '--now', u.name);
  process.stderr.write(`started: systemctl status ${u.name}; journalctl -u ${u.name} -f; cctv status\n`);
}

/** `cctv service uninstall`: stops and disables the unit and removes its file; the user, config and data stay. */
export async function serviceUninstall(opts: ServiceOptions, _ctx: CommandContext): Promise<void> {
  const name = opts.name ?? DEFAULTS.name;
  const unitFile = path.join(opts.unitDir ?? DEFAULTS.unitDir, `${name}.service`);
  if (!existsSync(unitFile)) throw new UserError(`no unit ${unitFile}: nothing to uninstall`);
  if (process.getuid?.() !== 0) throw new UserError('removing a service needs root: sudo cctv service uninstall');
  const running = systemdRunning();
  if (running) systemctl('disable', '--now', name);
  rmSync(unitFile);
  if (running) systemctl('daemon-reload');
  process.stderr.write(`removed ${unitFile}; the user, the config, the env file and the data folder are kept\n`);
}

/** `cctv service status`: systemd's view of the unit (state, restarts, since); `cctv status` has the stages. */
export async function serviceStatus(opts: ServiceOptions & { json?: boolean }, ctx: CommandContext): Promise<void> {
  const name = opts.name ?? DEFAULTS.name;
  const unitFile = path.join(opts.unitDir ?? DEFAULTS.unitDir, `${name}.service`);
  const installed = existsSync(unitFile);
  let systemd: Record<string, string> | null = null;
  if (systemdRunning()) {
    const out = execFileSync('systemctl', ['show', name, '-p', 'LoadState,ActiveState,SubState,NRestarts,ExecMainStartTimestamp,UnitFileState'], { encoding: 'utf8' });
    systemd = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }
  const report = { unit: unitFile, installed, installedAt: installed ? statSync(unitFile).mtime.toISOString() : null, systemdRunning: systemd !== null, systemd };
  if (opts.json || ctx.machineOutput) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const lines = [`unit      ${unitFile}: ${installed ? 'installed' : 'not installed (cctv service install)'}`];
    if (systemd) lines.push(`systemd   ${systemd.ActiveState} (${systemd.SubState}), ${systemd.UnitFileState}, ${systemd.NRestarts ?? 0} restarts, since ${systemd.ExecMainStartTimestamp || '-'}`);
    else lines.push('systemd   not running on this machine');
    lines.push('stages    cctv status');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!installed || (systemd && systemd.ActiveState !== 'active')) throw new RuntimeError(`service ${name} is ${installed ? systemd?.ActiveState : 'not installed'}`);
}
