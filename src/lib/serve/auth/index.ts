/**
 * Sign-in and authorisation of the web app: the Authenticator seam (authenticator.ts) and its implementations
 * (none.ts, local.ts), who may reach what (access.ts), the access log (audit.ts), and the pieces the CLI shares
 * (accounts.ts: users; tokens.ts: API tokens; passwords.ts).
 */
export { LOCAL_PRINCIPAL, type Authenticator, type Client, type Identity, type Principal, type Role } from './authenticator.js';
export { noSignIn } from './none.js';
export { localAuthenticator, type LocalAuthOptions } from './local.js';
export { isFootage, permits, requiredAccess, ACCESS_RULES, type Access } from './access.js';
export type { AccessLog } from './audit.js';
