import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCctv, spawnCctv, tempProject, type Running } from '../helpers/cli.js';
import { waitFor } from '../helpers/ports.js';

/** `cctv user …` and `cctv token …` through the real binary, and a `cctv serve` that sees their changes at once. */

let dir: string;
let serve: Running | undefined;
const cctv = (args: string[], input = '') => runCctv(args, { cwd: dir, input });

beforeAll(() => {
  ({ dir } = tempProject({ dataDir: './data', cameras: { front: { url: 'rtsp://127.0.0.1/x' } } }));
});
afterAll(async () => {
  if (serve && serve.proc.exitCode === null) {
    serve.proc.kill('SIGKILL');
    await serve.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('cctv user and cctv token', () => {
  it('adds users with the password from stdin, refusing bad ones with exit 2', async () => {
    const r = await cctv(['user', 'add', 'ada', '--role', 'admin'], 'ada-password-1\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('user ada added (admin)');
    expect(r.stderr).toContain('sign-in is now on');
    expect(r.stderr).not.toContain('ada-password-1');
    expect((await cctv(['user', 'add', 'vic'], 'vic-password-1\n')).code).toBe(0);
    const short = await cctv(['user', 'add', 'bob'], 'short\n');
    expect([short.code, short.stderr.trim()]).toEqual([2, 'cctv: password must be at least 8 characters']);
    expect((await cctv(['user', 'add', 'ada'], 'another-password\n')).stderr).toMatch(/user ada exists: cctv user passwd ada/);
    expect((await cctv(['user', 'add', 'x', '--role', 'root'], 'long-enough-1\n')).stderr).toContain('--role root: admin or viewer');
    const list = await cctv(['user', 'list', '--json']);
    expect(list.records().map((u) => [u.name, u.role, u.source])).toEqual([['ada', 'admin', 'cli'], ['vic', 'viewer', 'cli']]);
  });

  it('a running serve (now allowed on 0.0.0.0) takes API tokens and Basic; revoking and removing apply at once', async () => {
    const made = await cctv(['token', 'create', 'home-assistant', '--expires', '30d']);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^cctv_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toMatch(/shown this once/);

    serve = spawnCctv(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: dir });
    const url = await waitFor('serve to listen', () => /serving on http:\/\/0\.0\.0\.0:(\d+)/.exec(serve!.stderr())?.[1], 30_000);
    const base = `http://127.0.0.1:${url}`;
    const status = async (headers: Record<string, string> = {}) => (await fetch(`${base}/api/events`, { headers })).status;
    expect(await status()).toBe(401);
    expect(await status({ authorization: `Bearer ${token}` })).toBe(200);
    expect(await status({ authorization: `Basic ${Buffer.from('vic:vic-password-1').toString('base64')}` })).toBe(200);

    const listed = await cctv(['token', 'list', '--json']);
    expect(listed.records()[0]).toMatchObject({ name: 'home-assistant', role: 'viewer', lastUsed: expect.any(String) });
    expect(listed.stdout).not.toContain(token.slice(22));
    expect((await cctv(['token', 'revoke', 'home-assistant'])).code).toBe(0);
    expect(await status({ authorization: `Bearer ${token}` })).toBe(401);
    expect((await cctv(['token', 'revoke', 'home-assistant'])).stderr).toMatch(/no token home-assistant/);

    expect((await cctv(['user', 'remove', 'vic'])).code).toBe(0);
    expect(await status({ authorization: `Basic ${Buffer.from('vic:vic-password-1').toString('base64')}` })).toBe(401);
    expect(serve.stderr()).not.toMatch(/vic-password-1|ada-password-1|cctv_[0-9a-f]{16}_/);
    serve.proc.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});
