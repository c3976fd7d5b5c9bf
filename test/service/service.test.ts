import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCctv, tempProject } from '../helpers/cli.js';

/** `systemd-analyze verify` (Debian's systemd): exit code and what it says (nothing for a clean unit). */
const verify = (file: string) => {
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return { code: r.status, said: `${r.stdout}${r.stderr}`.trim() };
};

const USER = `cctv-t${process.pid % 100000}`;
const cleanup: string[] = [];
afterAll(() => {
  spawnSync('userdel', [USER]);
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('cctv service (systemd unit of cctv run)', () => {
  it('--print: a unit systemd-analyze verify accepts, with the user, env file, restart policy and hardening', async () => {
    const { dir } = tempProject({ dataDir: 'data', storage: { url: 'file:///srv/cctv-archive' } });
    cleanup.push(dir);
    const r = await runCctv(['service', 'install', '--print'], { cwd: dir });
    expect(r.code).toBe(0);
    const unit = r.stdout;
    for (const line of [
      'User=cctv', 'Group=cctv', `EnvironmentFile=${path.join(dir, 'cctv.env')}`, `Environment=CCTV_CONFIG=${path.join(dir, 'cctv.config.yaml')}`,
      'Restart=always', 'NoNewPrivileges=yes', 'ProtectSystem=strict', `ReadWritePaths=${path.join(dir, 'data')} /srv/cctv-archive`,
      'ProtectHome=yes', 'PrivateTmp=yes', 'KillSignal=SIGTERM', 'WantedBy=multi-user.target',
    ]) expect(unit.split('\n'), line).toContain(line);
    expect(unit).toMatch(new RegExp(`^ExecStart=${process.execPath} /\\S+/bin/cctv\\.js run$`, 'm'));
    const file = path.join(dir, 'cctv.service');
    writeFileSync(file, unit);
    expect(verify(file)).toEqual({ code: 0, said: '' });
    // The check can fail: a misspelt key and a bad value are reported.
    const bad = path.join(dir, 'bad.service');
    writeFileSync(bad, unit.replace('Restart=always', 'Restrat=always').replace('ProtectSystem=strict', 'ProtectSystem=strictest'));
    expect(verify(bad).said).toMatch(/Unknown key 'Restrat'[\s\S]*protect system value/);
  });

  it('needs a configuration file (exit 2 naming the fix); refuses a bad user name', async () => {
    const { dir } = tempProject({});
    cleanup.push(dir);
    rmSync(path.join(dir, 'cctv.config.yaml'));
    const none = await runCctv(['service', 'install', '--print'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no configuration file: write one first \(cctv init\)/);
    writeFileSync(path.join(dir, 'cctv.config.yaml'), 'dataDir: data\n');
    const badUser = await runCctv(['service', 'install', '--print', '--user', 'Root; rm'], { cwd: dir });
    expect(badUser.code).toBe(2);
  });

  it('install (as root): system user, data folder owned by it, env file 0640, unit verified; status; uninstall keeps the data', async () => {
    const { dir } = tempProject({ dataDir: 'data' });
    cleanup.push(dir);
    const unitDir = path.join(dir, 'units');
    const args = ['--name', 'cctv-test', '--unit-dir', unitDir];
    const r = await runCctv(['service', 'install', ...args, '--user', USER], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    // This machine runs no systemd: the unit is written and the way to start it said.
    expect(r.stderr).toMatch(/systemctl daemon-reload && systemctl enable --now cctv-test/);
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
    expect(statSync(path.join(dir, 'data')).uid).toBe(uid);
    const env = statSync(path.join(dir, 'cctv.env'));
    expect(env.mode & 0o777).toBe(0o640);
    expect(env.gid).toBe(Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' })));
    const unitFile = path.join(unitDir, 'cctv-test.service');
    expect(readFileSync(unitFile, 'utf8')).toContain(`User=${USER}`);
    expect(verify(unitFile)).toEqual({ code: 0, said: '' });

    const status = await runCctv(['service', 'status', '--json', ...args], { cwd: dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ unit: unitFile, installed: true, systemdRunning: false });

    const gone = await runCctv(['service', 'uninstall', ...args], { cwd: dir });
    expect(gone.code).toBe(0);
    expect(existsSync(unitFile)).toBe(false);
    expect(existsSync(path.join(dir, 'data'))).toBe(true);
    const after = await runCctv(['service', 'status', '--json', ...args], { cwd: dir });
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ installed: false });
  });
});
