import { createHash } from 'node:crypto';
import { coveredByAny } from '../detect/labels.js';
import type { Alert } from './types.js';

/** What an alert is made of: the clip's labels and links a person can open (already resolved by the caller). */
export interface AlertInput {
  camera: string;
  /** The site (config `site`, or the clip key's): named in the alert when several share one bucket and app. */
  site?: string | undefined;
  eventId: string | null;
  /** Every label found in the clip, most confident first. */
  labels: readonly { name: string; confidence: number; at: string }[];
  /** alerts.on: the labels that make this an alert (at least one of `labels` must be covered). */
  alertOn: readonly string[];
  detector: string;
  clip: string;
  poster: string | null;
}

/**
 * Pure: the alert every sink delivers (`cctv analyze` and the AWS analyze hook build it the same way). Throws when
 * no label is covered by `alertOn` (the caller decides whether to alert first, with decideAlert).
 */
export function composeAlert(i: AlertInput): Alert {
  const brief = i.labels.map(({ name, confidence, at }) => ({ name, confidence, at }));
  const hits = brief.filter((l) => coveredByAny(i.alertOn, l.name));
  const top = hits[0];
  if (!top) throw new Error('composeAlert: no alert label among the labels found');
  return {
    v: 1, kind: 'alert', camera: i.camera, ...(i.site ? { site: i.site } : {}), eventId: i.eventId, at: top.at, labels: hits, allLabels: brief,
    detector: i.detector, clip: i.clip, poster: i.poster,
    message: `${hits.map((l) => `${l.name} (${Math.round(l.confidence * 100)}%)`).join(', ')} on ${where(i.camera, i.site)} at ${top.at}`,
  };
}

/**
 * Pure: the alert as it is sent as JSON (the webhook's default body, the MQTT event payload): exactly the contract's
 * fields, never the media accessors nor the delivery key.
 */
export function alertJson(a: Alert): Omit<Alert, 'media' | 'key'> {
  return {
    v: a.v, kind: a.kind, camera: a.camera, ...(a.site ? { site: a.site } : {}), eventId: a.eventId, at: a.at, labels: a.labels, allLabels: a.allLabels, detector: a.detector,
    clip: a.clip, poster: a.poster, message: a.message,
  };
}

/** Pure: a notification title, e.g. "Person on front" or "Person, car on drive". */
export function alertTitle(a: Alert): string {
  const names = [...new Set(a.labels.map((l) => l.name))].join(', ');
  return `${names.charAt(0).toUpperCase()}${names.slice(1)} on ${where(a.camera, a.site)}`;
}

/** Pure: a camera as alerts name it: `front`, or `front (home)` with a site. */
const where = (camera: string, site: string | undefined): string => (site ? `${camera} (${site})` : camera);

/** Pure: `url` when a phone can open it (http or https), else null (`file://`, `s3://`). */
export function openableLink(url: string | null): string | null {
  return url !== null && /^https?:\/\//i.test(url) ? url : null;
}

/**
 * Pure: the key a receiver may deduplicate an alert's deliveries on (a re-driven delivery carries the same), or null:
 * `cctv-` and 32 hex digits of the alert's key, so it fits every receiver's syntax (ntfy: `[-_A-Za-z0-9]{1,64}`).
 */
export function deliveryKey(a: Pick<Alert, 'key'>): string | null {
  return a.key === undefined ? null : `cctv-${createHash('sha256').update(a.key).digest('hex').slice(0, 32)}`;
}
