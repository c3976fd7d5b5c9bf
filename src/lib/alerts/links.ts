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
 * by the clip's storage key (see src/lib/serve/media-routes.ts).
 */
export function mediaLink(base: string, kind: 'clip' | 'poster', clipKey: string): string {
  return `${base}/media/${kind}/${clipKey.split('/').map(encodeURIComponent).join('/')}`;
}
