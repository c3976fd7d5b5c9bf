import { countUsers, listUsers, ROLES, type Role } from '../lib/catalog/users.js';
import type { CommandContext } from '../lib/context.js';
import { UserError } from '../lib/errors.js';
import { addAccount, changeAccount, removeAccount } from '../lib/serve/auth/accounts.js';

/**
 * `cctv user add|passwd|remove|list`: the web app's users, in the catalog (a running `cctv serve` sees changes at
 * once). Passwords are asked on the terminal (twice, not shown) or read from the first line of stdin in a script;
 * never taken from a flag (it would sit in the shell history and the process list).
 */

export function parseRole(v: string | undefined, fallback: Role): Role {
  if (v === undefined) return fallback;
  if (!ROLES.includes(v as Role)) throw new UserError(`--role ${v}: admin or viewer`);
  return v as Role;
}

/** Reads a line from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  let typed = '';
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UserError('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
}

/** A new password: typed twice on a terminal, else the first line of stdin. */
export async function newPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readStdinLine();
  const first = await askHidden('New password: ');
  const again = await askHidden('Again: ');
  if (first !== again) throw new UserError('the two passwords differ; nothing changed');
  return first;
}

export async function userAdd(opts: { role?: string }, ctx: CommandContext, args: string[]): Promise<void> {
  const [name = ''] = args;
  const role = parseRole(opts.role, 'viewer');
  const first = countUsers(ctx.catalog) === 0 && !ctx.config.serve.auth;
  await addAccount(ctx.catalog, { name, role, password: await newPassword() });
  process.stderr.write(`user ${name} added (${role})\n`);
  if (first) process.stderr.write('sign-in is now on: restart a running cctv serve for it to ask for it\n');
}

export async function userPasswd(_opts: unknown, ctx: CommandContext, args: string[]): Promise<void> {
  const [name = ''] = args;
  await changeAccount(ctx.catalog, name, { password: await newPassword() });
  process.stderr.write(`password of ${name} changed; their sessions have ended\n`);
}

export async function userRole(_opts: unknown, ctx: CommandContext, args: string[]): Promise<void> {
  const [name = '', role] = args;
  await changeAccount(ctx.catalog, name, { role: parseRole(role, 'viewer') });
  process.stderr.write(`${name} is now ${role}\n`);
}

export async function userRemove(_opts: unknown, ctx: CommandContext, args: string[]): Promise<void> {
  const [name = ''] = args;
  removeAccount(ctx.catalog, name);
  process.stderr.write(`user ${name} removed; their sessions have ended\n`);
}

export async function userList(opts: { json?: boolean }, ctx: CommandContext): Promise<void> {
  const db = ctx.existingCatalog();
  for (const u of db ? listUsers(db) : []) {
    const row = { name: u.name, role: u.role, source: u.source, created: new Date(u.createdMs).toISOString() };
    process.stdout.write(opts.json || ctx.machineOutput ? `${JSON.stringify(row)}\n` : `${u.name.padEnd(20)} ${u.role.padEnd(7)} ${u.source === 'config' ? 'serve.auth (config)' : 'cctv user add'}\n`);
  }
}
