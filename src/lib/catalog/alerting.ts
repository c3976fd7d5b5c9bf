import type { Db } from './db.js';

/**
 * The catalog's alerting state (tables `alert_arming` and `ha_discovery`, migration 8): each camera's arm/snooze
 * switch, which the alert decision honours, and the Home Assistant discovery configs published, so what disappears
 * from the configuration is removed from Home Assistant.
 */

export interface Arming {
  armed: boolean;
  /** When a snooze ends by itself (ms); null: until armed again. */
  untilMs: number | null;
  changedMs: number;
}

/** A camera's arming as stored; undefined when it was never switched (armed). */
export function getArming(db: Db, camera: string): Arming | undefined {
  const r = db.prepare('SELECT armed, until_ms AS untilMs, changed_ms AS changedMs FROM alert_arming WHERE camera = ?').get(camera) as
    | { armed: number; untilMs: number | null; changedMs: number }
    | undefined;
  return r && { armed: r.armed === 1, untilMs: r.untilMs, changedMs: r.changedMs };
}

export function setArming(db: Db, camera: string, a: Arming): void {
  db.prepare(
    `INSERT INTO alert_arming (camera, armed, until_ms, changed_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (camera) DO UPDATE SET armed = excluded.armed, until_ms = excluded.until_ms, changed_ms = excluded.changed_ms`,
  ).run(camera, a.armed ? 1 : 0, a.untilMs, a.changedMs);
}

/** Every discovery config published and not removed since: topic → JSON payload. */
export function publishedDiscovery(db: Db): Map<string, string> {
  const rows = db.prepare('SELECT topic, payload FROM ha_discovery').all() as { topic: string; payload: string }[];
  return new Map(rows.map((r) => [r.topic, r.payload]));
}

export function recordDiscovery(db: Db, topic: string, payload: string, nowMs = Date.now()): void {
  db.prepare(
    `INSERT INTO ha_discovery (topic, payload, published_ms) VALUES (?, ?, ?)
     ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, published_ms = excluded.published_ms`,
  ).run(topic, payload, nowMs);
}

export function forgetDiscovery(db: Db, topic: string): void {
  db.prepare('DELETE FROM ha_discovery WHERE topic = ?').run(topic);
}
