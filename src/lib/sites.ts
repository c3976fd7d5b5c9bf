/**
 * Sites: one cctv installation (a house, a shop) of several sharing one bucket and one cloud app. A site's stored
 * objects live under `<site>/` (`<site>/clips/<camera>/<YYYY>/<MM>/<DD>/<eventId>.mp4`, CONTRACT §5), so one uploader
 * identity per site can be limited to its prefix. Release 0.1 stored `clips/…` at the root of `storage.url`: those
 * keys stay readable and belong to a site named by whoever reads them (the hooks' CCTV_LEGACY_SITE). Pure.
 */

/** A site name: lowercase letters, digits and inner hyphens, 1-32 characters; it is a key prefix and a group name. */
export const SITE_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** Names a site cannot take: the first segment of the keys that are not in a site (0.1 clips, recordings). */
export const RESERVED_SITES: readonly string[] = ['clips', 'recordings', 'lambda-artifacts'];

/** Why `name` cannot be a site's name, or null when it can. */
export function siteNameProblem(name: string): string | null {
  if (!SITE_PATTERN.test(name)) return 'must be 1-32 lowercase letters, digits or inner hyphens (it becomes a key prefix)';
  if (RESERVED_SITES.includes(name)) return `"${name}" is reserved (${RESERVED_SITES.join(', ')} name key layouts)`;
  return null;
}

/** A stored clip object's key taken apart: its site (null for a 0.1 key), camera, and base without extension. */
export interface ClipKey {
  site: string | null;
  camera: string;
  /** The key without its extension, site included: `home/clips/front/2024/05/01/<id>`. */
  base: string;
  /** The key inside the site (what the site's own storage URL calls it): `clips/front/2024/05/01/<id>.json`. */
  siteKey: string;
  ext: 'mp4' | 'jpg' | 'json';
}

/**
 * Pure: `<site>/clips/<camera>/…/<id>.<mp4|jpg|json>` (0.2) or `clips/<camera>/…/<id>.<ext>` (0.1, site null) → its
 * parts; null for any other key (a recording, a layer zip, a site name that is not one).
 */
export function parseClipKey(key: string): ClipKey | null {
  const m = /^(?:([^/]+)\/)?(clips\/([^/]+)\/.+)\.(mp4|json|jpg)$/.exec(key);
  if (!m) return null;
  const site = m[1] ?? null;
  if (site !== null && siteNameProblem(site) !== null) return null;
  return { site, camera: m[3]!, base: `${site === null ? '' : `${site}/`}${m[2]!}`, siteKey: `${m[2]!}.${m[4]!}`, ext: m[4] as ClipKey['ext'] };
}
