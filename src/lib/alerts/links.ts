import type { Storage } from '../storage/index.js';

/**
 * Links in alerts that work for the person who receives them: the web app's media routes under the app's public
 * address, and only without one a presigned storage URL, short-lived (`alerts.presignSeconds`, default 1 hour).
 */

/**
 * Pure: the web app's address as the recipients reach it, without a trailing slash, or null. Today
 * `alerts.publicUrl` (`cctv serve` behind your reverse proxy or VPN). The seam for the hosted app: when a hosted
 * app URL is configured, it is returned here and every alert links to it.
 */
export function appBaseUrl(alerts: { publicUrl?: string | undefined }): string | null {
  return alerts.publicUrl ? alerts.publicUrl.replace(/\/+$/, '') : null;
}

/**
 * Pure: the web app's route for a stored clip (`/media/clip/<key>`) or its poster (`/media/poster/<key>`), both keyed
 * by the clip's storage key (see src/lib/serve/media-routes.ts); in the hosted app, the key inside its site and the
 * site as `?site=`.
 */
export function mediaLink(base: string, kind: 'clip' | 'poster', clipKey: string, site?: string): string {
  return `${base}/media/${kind}/${clipKey.split('/').map(encodeURIComponent).join('/')}${site ? `?site=${encodeURIComponent(site)}` : ''}`;
}

/** Where an alert link points: a stored clip (its key, and in the hosted app its site) and the object linked. */
export interface LinkTarget {
  kind: 'clip' | 'poster';
  /** The clip's key as the web app names it (null: not a stored clip, e.g. an http URL). */
  clipKey: string | null;
  site?: string;
  /** The storage key of the object linked (the clip or its poster), null when it is not in storage. */
  objectKey: string | null;
  /** Its URL, the last resort. */
  url: string;
}

/**
 * The link in an alert (`cctv analyze` and the AWS analyze hook alike): the web app's media route under the app's
 * public address (alerts.publicUrl) when there is one, else a presigned storage URL valid alerts.presignSeconds, else
 * the object's URL.
 */
export async function alertLink(
  alerts: { publicUrl?: string | undefined; presignSeconds: number },
  storage: Pick<Storage, 'presign'>,
  t: LinkTarget,
): Promise<string> {
  const base = appBaseUrl(alerts);
  if (base && t.clipKey !== null) return mediaLink(base, t.kind, t.clipKey, t.site);
  return t.objectKey === null ? t.url : ((await storage.presign(t.objectKey, alerts.presignSeconds)) ?? t.url);
}
