import type { EventCatalog } from '../catalog/event-catalog.js';
import { eventsRoute } from './api-routes.js';
import type { Principal } from './auth/authenticator.js';
import { HttpError, type Route } from './http.js';
import { storedMediaRoute } from './media-routes.js';
import type { Storage } from '../storage/index.js';

/**
 * The hosted app's sites (issue 15): one event catalog and one storage per site. A request names
 * its site (`?site=`); a principal reaches only the sites of their groups, and any other site answers 404 exactly as
 * one that does not exist (the list of sites is not disclosed). The hosted app serves only what is in the cloud:
 * the events list and stored clips and posters; what needs the house (recordings, live frames, recorder health) is
 * absent, and `/api/app` says so (capabilities) so that the UI hides it.
 */

/** What the host can do, for the UI (GET /api/app). */
export interface Capabilities {
  /** /api/cameras: configured cameras with recorder health. */
  cameras: boolean;
  /** /api/timeline and /media/recording: continuous recordings. */
  timeline: boolean;
  /** /media/latest: a camera's latest frame. */
  live: boolean;
}

export const PREMISE_CAPABILITIES: Capabilities = Object.freeze({ cameras: true, timeline: true, live: true });
export const HOSTED_CAPABILITIES: Capabilities = Object.freeze({ cameras: false, timeline: false, live: false });

/** Pure: the sites of `all` that `principal` may see, in the order of `all`. */
export function visibleSites(principal: Principal | null, all: readonly string[]): string[] {
  if (!principal) return [];
  const mine = principal.sites;
  return mine === undefined ? [...all] : all.filter((s) => mine.includes(s));
}

/** A site of the hosted app: its events, and its storage (`s3://<bucket>/<site>`: no other site's object is in reach). */
export interface HostedSite {
  catalog: EventCatalog;
  storage: Storage;
}

/** The routes of the hosted app's sites: /api/events and /media/clip|poster, each for the `?site=` asked. */
export function siteRoutes(sites: Readonly<Record<string, HostedSite>>, presignSeconds?: number): Route {
  const names = Object.keys(sites);
  const routes = new Map(names.map((s) => [s, [eventsRoute(sites[s]!.catalog, s), storedMediaRoute(sites[s]!.catalog, sites[s]!.storage, presignSeconds)]] as const));
  return async (req, url, ctx) => {
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
