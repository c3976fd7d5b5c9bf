/**
 * What an alert says and where it goes. A sink is one delivery channel (webhook, MQTT/Home Assistant, ntfy, …); the
 * registry in sinks.ts builds the configured ones. Retries, backoff and the "never block analysis" rule live in the
 * Alerter (alerter.ts), so a sink only makes one delivery attempt per send().
 */
export interface AlertLabel {
  name: string;
  /** 0..1 */
  confidence: number;
  /** ISO time the label was seen. */
  at: string;
}

/** The message every sink delivers (the webhook body, the MQTT event payload). */
export interface Alert {
  v: 1;
  kind: 'alert';
  camera: string;
  /** The site the camera belongs to (config `site`; in AWS, from the clip's key); absent for a single-site install. */
  site?: string;
  /** The event's id, or null for a clip without an event. */
  eventId: string | null;
  /** ISO time of the best sighting of an alert label. */
  at: string;
  /** The alert labels found (`alerts.on`), most confident first. */
  labels: AlertLabel[];
  /** Every label found in the clip, most confident first. */
  allLabels: AlertLabel[];
  detector: string;
  /** Links a person can open: served by `cctv serve` (alerts.publicUrl), presigned S3, or the stored URL. */
  clip: string;
  poster: string | null;
  /** Human-readable one-liner, e.g. "person (87%) on front at 2024-05-01T12:00:03Z". */
  message: string;
  /**
   * The alert's stable identity (its event key: the event id, or the clip URL), the same when a delivery is re-driven
   * by another process, for receivers that deduplicate (webhook `Idempotency-Key`, ntfy `X-Sequence-ID`). Never part
   * of the JSON an alert is sent as.
   */
  key?: string;
  /**
   * The pictures behind the links, read only by the sinks that attach them (ntfy, Pushover, Telegram, Apprise, the
   * Home Assistant image entity). Never part of the JSON an alert is sent as (see alertJson): a re-driven alert
   * gets it back from its stored keys (media.ts, storageMedia).
   */
  media?: AlertMedia;
}

/** Lazy access to an alert's pictures; each is read once and shared by every sink. */
export interface AlertMedia {
  /** The snapshot JPEG (the poster, with the detector's boxes), or null when there is none. */
  snapshot(): Promise<Buffer | null>;
  /** The clip MP4 when it is at most `maxBytes`, else (or when there is none) null. */
  clip(maxBytes: number): Promise<Buffer | null>;
}

/**
 * What one delivery attempt ended with: the receiver's answer (for logs and `cctv alert test`), or why the sink chose
 * not to deliver (a label filter, quiet hours). A rejection is a failed attempt.
 */
export type SendReceipt = { answer: string } | { skipped: string };

export interface AlertSink {
  /** Short name, used in logs and as alerts_sent.sink. */
  readonly name: string;
  /** One delivery attempt; resolves once the receiver has accepted it (or the sink chose to skip it), rejects otherwise. */
  send(alert: Alert): Promise<SendReceipt | void>;
  /**
   * The event `eventId` of `camera` ended at `at` (ISO): sinks that hold a state for it (the Home Assistant occupancy
   * sensors) let it go. Optional; never rejects.
   */
  eventEnded?(e: { camera: string; eventId: string; at: string }): void;
  /** Releases connections (a clean MQTT disconnect); idempotent. */
  close(): Promise<void>;
}
