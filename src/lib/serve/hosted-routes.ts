import type { EventCatalog } from '../catalog/event-catalog.js';
import { eventsRoute } from './api-routes.js';
import type { Principal } from './auth/authenticator.js';
import { HttpError, json, type Route } from './http.js';
import { PRESIGN_SECONDS } from './media.js';
import { storedMediaRoute } from './media-routes.js';
import type { Storage } from '../storage/index.js';

/**
 * The hosted app's sites (issue 15): one event catalog and one storage per site. A request names
 * its site (`?site=`); a principal reaches only the sites of their groups, and any other site answers 404 exactly as
 * one that does not exist (the list of sites is not disclosed). The hosted app serves only what is in the cloud:
 * the events list and stored clips and posters; what needs the house (recordings, live frames, recorder health) is
 * absent, and `/api/config` says so (capabilities) so that the UI hides it, with the sites the principal may pick and
 * how long media URLs live (`mediaUrlSeconds`: the player asks again before a seek past that).
 */

/**
 * What the hosted app can do, for the UI (GET /api/config, the names the on-premise app uses): none of what needs the
 * house — the live view, the continuous timeline, exports of recordings, review marks (kept in the house's catalog).
 */
export const HOSTED_CAPABILITIES = Object.freeze({ live: false, timeline: false, export: false, review: false });

/** Pure: the sites of `all` that `principal` may see, in the order of `all`. */
export function visibleSites(principal: Principal | null, all: readonly string[]): string[] {
  if (!principal) return [];
  const mine = principal.sites;
  return mine === undefined ? [...all] : all.filter((s) => mine.includes(s));
}

/** A site of the hosted app: its events, and the storage its clips' URLs are in. */
export interface HostedSite {
  catalog: EventCatalog;
  storage: Storage;
}

/** The hosted app's routes: /api/config, and /api/events and /media/clip|poster for the `?site=` asked. */
export function siteRoutes(sites: Readonly<Record<string, HostedSite>>, presignSeconds = PRESIGN_SECONDS): Route {
  const names = Object.keys(sites);
  const routes = new Map(names.map((s) => [s, [eventsRoute(sites[s]!.catalog, s), storedMediaRoute(sites[s]!.catalog, sites[s]!.storage, presignSeconds)]] as const));
  return async (req, url, ctx) => {
    if (url.pathname === '/api/config') return json({ user: ctx.principal, capabilities: HOSTED_CAPABILITIES, cameras: [], sites: visibleSites(ctx.principal, names), mediaUrlSeconds: presignSeconds });
    if (url.pathname !== '/api/events' && !url.pathname.startsWith('/media/')) return undefined;
    const site = url.searchParams.get('site') ?? '';
    const mine = routes.get(site);
    if (!mine || !visibleSites(ctx.principal, names).includes(site)) throw new HttpError(404, `no site ${JSON.stringify(site)}: name one of yours with ?site=`);
    for (const route of mine) {
      const res = await route(req, url, ctx);
      if (res) return res;
    }
    return undefined;
  };
}
