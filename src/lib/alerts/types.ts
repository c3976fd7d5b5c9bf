/**
 * What an alert says and where it goes. A sink is one delivery channel (webhook, MQTT); the registry in
 * index.ts builds the configured ones. Retries, backoff and the "never block analysis" rule live in the
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
}

export interface AlertSink {
  /** Short name, used in logs and as alerts_sent.sink. */
  readonly name: string;
  /** One delivery attempt; resolves once the receiver has accepted it, rejects otherwise. */
  send(alert: Alert): Promise<void>;
  /** Releases connections (a clean MQTT disconnect); idempotent. */
  close(): Promise<void>;
}
