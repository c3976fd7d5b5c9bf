import type { Db } from '../../catalog/db.js';
import { addUser, getUser, listUsers, removeUser, updateUser, type Role } from '../../catalog/users.js';
import { UserError } from '../../errors.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

/**
 * Users of the web app, as `cctv user …` and `cctv serve` manage them: names checked, passwords hashed before they
 * reach the catalog. The config's `serve.auth` is one admin user kept in step at every start (syncConfigUser).
 */

/** Letters, digits and . _ @ - (no colon: HTTP Basic splits on it), up to 64. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function checkName(name: string): void {
  if (!USER_NAME.test(name)) throw new UserError(`user name "${name}": letters, digits and . _ @ - (up to 64, starting with a letter or digit)`);
}

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new UserError(`password ${problem}`);
}

export async function addAccount(db: Db, a: { name: string; role: Role; password: string }): Promise<void> {
  checkName(a.name);
  checkPassword(a.password);
  const existing = getUser(db, a.name);
  if (existing) {
    throw new UserError(
      existing.source === 'config'
        ? `user ${a.name} is serve.auth's (the config): choose another name`
        : `user ${a.name} exists: cctv user passwd ${a.name} changes the password, cctv user remove ${a.name} removes it`,
    );
  }
  if (!addUser(db, { name: a.name, role: a.role, passwordHash: await hashPassword(a.password), source: 'cli' })) {
    throw new UserError(`user ${a.name} exists`);
  }
}

/** Changes a `cctv user add` user's password and/or role; a new password ends their sessions. */
export async function changeAccount(db: Db, name: string, change: { password?: string; role?: Role }): Promise<void> {
  const user = getUser(db, name);
  if (!user) throw new UserError(`no user ${name} (cctv user list shows them)`);
  if (user.source === 'config') throw new UserError(`user ${name} is serve.auth's: change it in the config`);
  if (change.password !== undefined) checkPassword(change.password);
  updateUser(db, name, { passwordHash: change.password === undefined ? undefined : await hashPassword(change.password), role: change.role });
}

export function removeAccount(db: Db, name: string): void {
  const user = getUser(db, name);
  if (!user) throw new UserError(`no user ${name} (cctv user list shows them)`);
  if (user.source === 'config') throw new UserError(`user ${name} is serve.auth's: remove serve.auth from the config`);
  removeUser(db, name);
}

/**
 * Keeps the config's `serve.auth` as one admin user of source `config`: added when new, its hash replaced (and its
 * sessions ended) when the password in the config changed, removed (with its sessions) when serve.auth is gone or
 * renamed. A `cctv user add` user of the same name is a configuration error.
 */
export async function syncConfigUser(db: Db, auth: { username: string; password: string } | undefined): Promise<void> {
  for (const u of listUsers(db)) if (u.source === 'config' && u.name !== auth?.username) removeUser(db, u.name);
  if (!auth) return;
  const existing = getUser(db, auth.username);
  if (existing?.source === 'cli') {
    throw new UserError(`serve.auth.username ${auth.username} is also a user added with cctv user add: rename one (or cctv user remove ${auth.username})`);
  }
  if (existing && existing.role === 'admin' && (await verifyPassword(auth.password, existing.passwordHash))) return;
  const passwordHash = await hashPassword(auth.password);
  if (existing) updateUser(db, auth.username, { passwordHash, role: 'admin' });
  else addUser(db, { name: auth.username, role: 'admin', passwordHash, source: 'config' });
}
