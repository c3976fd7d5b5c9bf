/**
 * infra/terraform, checked offline the way CI and the README run it: `terraform fmt -check`,
 * `init -backend=false`, `validate` and `terraform test` (mock AWS provider, tests/*.tftest.hcl).
 *
 * Runs on a temporary copy of the module with its own TF_DATA_DIR, so the work tree gains no
 * .terraform/ or lock file. The AWS provider comes from the filesystem mirror named in
 * infra/terraform/offline.tfrc (override with CCTV_TF_CLI_CONFIG_FILE); nothing touches the network.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const moduleDir = resolve(fileURLToPath(new URL('../../infra/terraform', import.meta.url)));
const terraform = process.env.TERRAFORM ?? 'terraform';

interface Run {
  code: number;
  output: string;
}

/** Runs terraform in `cwd`; resolves with the exit code and stdout+stderr (never rejects on exit codes). */
function tf(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    execFile(terraform, args, { cwd, env, timeout: 420_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        fail(new Error(`could not run ${terraform} ${args.join(' ')}: ${error.message}`));
        return;
      }
      done({ code: error ? Number(error.code) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Fails with the command and its whole output unless it exited 0. */
function expectSuccess(run: Run, what: string): void {
  if (run.code !== 0) {
    expect.fail(`${what} exited ${run.code}:\n${run.output}`);
  }
}

describe('infra/terraform (offline)', () => {
  let work: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cctv-tf-'));
    dir = join(work, 'terraform');
    cpSync(moduleDir, dir, {
      recursive: true,
      // Local state of someone's own `terraform init/apply` in the work tree must not leak in.
      filter: (src) => !['.terraform', '.terraform.lock.hcl', 'terraform.tfstate', 'terraform.tfstate.backup'].includes(basename(src)),
    });
    env = {
      PATH: process.env.PATH,
      HOME: work,
      TF_CLI_CONFIG_FILE: process.env.CCTV_TF_CLI_CONFIG_FILE ?? join(moduleDir, 'offline.tfrc'),
      TF_DATA_DIR: join(work, 'tf-data'),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
    };
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is formatted (terraform fmt -check -recursive)', async () => {
    const run = await tf(dir, env, 'fmt', '-check', '-recursive', '-diff', '-no-color');
    expectSuccess(run, 'terraform fmt -check -recursive');
  });

  it('initialises from the offline provider mirror and validates', async () => {
    const init = await tf(dir, env, 'init', '-backend=false', '-input=false', '-no-color');
    expectSuccess(init, 'terraform init -backend=false');
    expect(init.output).toMatch(/hashicorp\/aws v5\.\d+\.\d+/);

    const validate = await tf(dir, env, 'validate', '-no-color');
    expectSuccess(validate, 'terraform validate');
    expect(validate.output).toContain('The configuration is valid');
  });

  it('passes terraform test (mock provider assertions on the plan)', async () => {
    const run = await tf(dir, env, 'test', '-no-color');
    expectSuccess(run, 'terraform test');
    const summary = /Success! (\d+) passed, 0 failed\./.exec(run.output);
    expect(summary, run.output).not.toBeNull();
    // Every test file ran, and nothing was skipped.
    for (const file of ['s3', 'hooks', 'iam', 'validation', 'index', 'sites', 'web']) {
      expect(run.output).toContain(`tests/${file}.tftest.hcl... pass`);
    }
    expect(run.output).not.toMatch(/\.\.\. skip/);
    expect(Number(summary![1])).toBeGreaterThanOrEqual(20);
    // Seven test files with many apply runs each: ~60 s on an idle machine, past 120 s at a load average of 40.
  }, 450_000);
});
