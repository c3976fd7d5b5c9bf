import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCctv, tempProject } from '../helpers/cli.js';
import { paint } from '../../src/ui/color.js';
import { colorAllowed, defaultLogFormat } from '../../src/lib/log.js';

const SECRETS = {
  cameras: { front: { url: 'rtsp://admin:${FRONT_PASSWORD}@127.0.0.1:9/s' } },
  serve: { auth: { username: 'admin', password: '${WEB_PASSWORD}' } },
};

describe('the CLI for people and scripts (real binary)', () => {
  it('a ${VAR} is required only by a command that reads its key: exit 2 naming variable, key and line', async () => {
    const { dir } = tempProject(SECRETS);
    const search = await runCctv(['search'], { cwd: dir, env: { FRONT_PASSWORD: 'cam-pw-1' } });
    expect(search.code).toBe(0);
    const serve = await runCctv(['serve', '--port', '0'], { cwd: dir, env: { FRONT_PASSWORD: 'cam-pw-1' } });
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/serve\.auth\.password \(cctv\.config\.yaml line \d+\): environment variable WEB_PASSWORD is not set/);
    const record = await runCctv(['record'], { cwd: dir, env: { WEB_PASSWORD: 'web-pw-12345' } });
    expect(record.code).toBe(2);
    expect(record.stderr).toMatch(/cameras\.front\.url \(cctv\.config\.yaml line \d+\): environment variable FRONT_PASSWORD is not set/);
    expect(record.stderr + serve.stderr).not.toMatch(/web-pw-12345|cam-pw-1/);
  });

  it('doctor --json: one JSON object, every unset variable a failed check, exit 1', async () => {
    const { dir } = tempProject({ serve: SECRETS.serve });
    const r = await runCctv(['doctor', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { level: string; what: string; detail: string }[]; config: { serve: { auth: { password: string } } } };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.what === 'environment')).toMatchObject({ level: 'fail', detail: expect.stringMatching(/WEB_PASSWORD is not set/) });
    expect(report.checks.find((c) => c.what === 'ffmpeg')?.level).toBe('ok');
    expect(report.config.serve.auth.password).toBe('***');
  });

  it('read-only commands create nothing: search, user list and token list with no config and no data', async () => {
    const { dir } = tempProject({});
    for (const args of [['search'], ['search', '--tag', 'person'], ['user', 'list'], ['token', 'list']]) {
      const r = await runCctv(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(0);
    }
    expect(readdirSync(dir)).toEqual(['cctv.config.yaml']);
  });

  it('logs: JSON when piped, pretty by flag or $CCTV_LOG_FORMAT, without colour under NO_COLOR', async () => {
    const { dir } = tempProject({});
    const json = await runCctv(['search'], { cwd: dir });
    expect(JSON.parse(json.stderr.trim().split('\n')[0]!)).toMatchObject({ level: 40, msg: expect.stringMatching(/no catalog/) });
    const pretty = await runCctv(['--log-format', 'pretty', 'search'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(pretty.stderr).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: no catalog in the data folder/m);
    expect(pretty.stderr).not.toContain('\u001b[');
    const byEnv = await runCctv(['search'], { cwd: dir, env: { CCTV_LOG_FORMAT: 'pretty', NO_COLOR: '1' } });
    expect(byEnv.stderr).toMatch(/WARN: no catalog/);
    expect(defaultLogFormat({}, true)).toBe('pretty');
    expect(defaultLogFormat({}, false)).toBe('json');
    expect(defaultLogFormat({ CCTV_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(colorAllowed({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorAllowed({ NO_COLOR: '' }, true)).toBe(true);
    process.env.NO_COLOR = '1';
    expect(paint('red')).toBeUndefined();
    delete process.env.NO_COLOR;
  });

  it('help shows examples; completion scripts for bash (completing for real), zsh and fish', async () => {
    const { dir } = tempProject({});
    const help = await runCctv(['search', '--help'], { cwd: dir });
    expect(help.stdout).toMatch(/Examples:\n {2}cctv search --tag person --since 24h/);
    const bash = await runCctv(['completion', 'bash'], { cwd: dir });
    const script = path.join(dir, 'cctv.bash');
    writeFileSync(script, bash.stdout);
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cctv_completion; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).trim();
    expect(complete('cctv', 'us')).toBe('user');
    expect(complete('cctv', 'user', '')).toBe('add passwd role remove list --help');
    expect(complete('cctv', '--log-level', 'warn', 'search', '--t')).toBe('--tag');
    expect(complete('cctv', '--log-level', 'w')).toBe('warn');
    expect(complete('cctv', 'completion', 'x', '--h')).toBe('--help');
    const zsh = await runCctv(['completion', 'zsh'], { cwd: dir });
    expect(zsh.stdout).toMatch(/^#compdef cctv\n/);
    expect(zsh.stdout).toContain('complete -o default -F _cctv_completion cctv');
    const fish = await runCctv(['completion', 'fish'], { cwd: dir });
    expect(fish.stdout).toContain("complete -c cctv -n '__fish_use_subcommand' -a search");
    expect(fish.stdout).toContain("complete -c cctv -n '__fish_seen_subcommand_from search' -l tag -r");
    const bad = await runCctv(['completion', 'tcsh'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(existsSync(BIN)).toBe(true);
  });
});
