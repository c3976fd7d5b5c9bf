import { json } from '../http.js';
import { LOCAL_PRINCIPAL, type Authenticator } from './authenticator.js';

/**
 * No sign-in (neither `serve.auth` nor a user): everyone is the local admin. The app then answers loopback only:
 * it refuses to bind elsewhere, and refuses proxied requests and non-loopback Host headers (app.ts).
 */
export const noSignIn: Authenticator = {
  kind: 'none',
  identify: async () => ({ principal: LOCAL_PRINCIPAL, setCookie: [] }),
  async route(req, url) {
    if (url.pathname === '/auth/session' && (req.method === 'GET' || req.method === 'HEAD')) return json({ ...LOCAL_PRINCIPAL, signIn: false });
    if (url.pathname === '/auth/sign-out' && req.method === 'POST') return json({ next: '/' });
    return undefined;
  },
  challenge: () => json({ error: 'sign in first' }, 401),
};
