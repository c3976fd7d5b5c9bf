import { tokenStore } from '../lib/catalog/api-tokens.js';
import type { CommandContext } from '../lib/context.js';
import { UserError } from '../lib/errors.js';
import { createToken, TOKEN_NAME } from '../lib/serve/auth/tokens.js';
import { DURATION_FORMS, parseDuration } from '../lib/time.js';
import { parseRole } from './user.js';

/**
 * `cctv token create|list|revoke`: API tokens for scripts (`Authorization: Bearer <token>`). The token is printed
 * once, on stdout, by `create`; the catalog keeps only its hash.
 */

export async function tokenCreate(opts: { role?: string; expires?: string }, ctx: CommandContext, args: string[]): Promise<void> {
  const [name = ''] = args;
  if (!TOKEN_NAME.test(name)) throw new UserError(`token name "${name}": letters, digits and . _ - (up to 64), e.g. home-assistant`);
  const role = parseRole(opts.role, 'viewer');
  let expiresMs: number | null = null;
  if (opts.expires !== undefined) {
    const ms = parseDuration(opts.expires);
    if (ms === null || ms <= 0) throw new UserError(`--expires ${opts.expires}: a duration such as ${DURATION_FORMS}`);
    expiresMs = Date.now() + ms;
  }
  const made = createToken(ctx.catalog, { name, role, createdBy: 'cli', expiresMs });
  if (!made) throw new UserError(`a token named ${name} exists (cctv token revoke ${name} first)`);
  process.stdout.write(`${made.token}\n`);
  process.stderr.write(`token ${name} (${role}${expiresMs ? `, until ${new Date(expiresMs).toISOString()}` : ''}): shown this once; send it as Authorization: Bearer <token>\n`);
}

export async function tokenList(opts: { json?: boolean }, ctx: CommandContext): Promise<void> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const db = ctx.existingCatalog();
  for (const t of db ? tokenStore(db).list() : []) {
    const row = { id: t.id, name: t.name, role: t.role, createdBy: t.createdBy, created: iso(t.createdMs), expires: iso(t.expiresMs), lastUsed: iso(t.usedMs) };
    process.stdout.write(
      opts.json || ctx.machineOutput
        ? `${JSON.stringify(row)}\n`
        : `${t.id}  ${t.name.padEnd(20)} ${t.role.padEnd(7)} ${row.expires ? `until ${row.expires}` : 'no expiry'}  ${row.lastUsed ? `used ${row.lastUsed}` : 'never used'}\n`,
    );
  }
}

export async function tokenRevoke(_opts: unknown, ctx: CommandContext, args: string[]): Promise<void> {
  const [which = ''] = args;
  if (!tokenStore(ctx.catalog).revoke(which)) throw new UserError(`no token ${which} (cctv token list shows them)`);
  process.stderr.write(`token ${which} revoked\n`);
}
