import { coveredByAny } from '../detect/labels.js';

/**
 * Pure: whether a freshly analysed clip alerts.
 * - `none`: no found label is covered by `alerts.on` (the record says alert: false);
 * - `repeat`: this event (or clip) has alerted before: alert: true, but nothing new is sent (idempotent re-runs,
 *   several clips of one event);
 * - `snoozed`: the camera's alerts are switched off (the Home Assistant switch, see armedAt): alert: false;
 * - `cooldown`: another event of the same camera alerted less than `cooldownSeconds` before this clip (clip time,
 *   so a re-run decides the same): alert: false;
 * - `new`: alert: true, and the sinks are told.
 */
export type AlertDecision = 'none' | 'repeat' | 'snoozed' | 'cooldown' | 'new';

export interface AlertDecisionInput {
  /** Names of the labels found in the clip. */
  found: readonly string[];
  /** alerts.on */
  alertOn: readonly string[];
  /** This event (or clip without event) already alerted. */
  alreadyAlerted: boolean;
  /** Start (ms) of the camera's latest alerted clip of another event at or before this one, or null. */
  lastAlertMs: number | null;
  /** This clip's start (ms). */
  atMs: number;
  cooldownSeconds: number;
  /** The camera's alerts are armed (armedAt); absent: armed. */
  armed?: boolean;
}

export function decideAlert(i: AlertDecisionInput): AlertDecision {
  if (!i.found.some((name) => coveredByAny(i.alertOn, name))) return 'none';
  if (i.alreadyAlerted) return 'repeat';
  if (i.armed === false) return 'snoozed';
  if (i.lastAlertMs !== null && i.atMs - i.lastAlertMs < i.cooldownSeconds * 1000) return 'cooldown';
  return 'new';
}

/** True for the decisions whose `analyzed` record says alert: true. */
export const alerts = (d: AlertDecision): boolean => d === 'new' || d === 'repeat';

/** A camera's arm/snooze switch as stored (src/lib/catalog/alerting.ts). */
export interface ArmingState {
  armed: boolean;
  /** When a snooze ends by itself (ms); null: until armed again. */
  untilMs: number | null;
}

/** Pure: whether a camera's alerts are armed at `nowMs`: never switched, switched on, or a snooze that has ended. */
export function armedAt(a: ArmingState | undefined, nowMs: number): boolean {
  return a === undefined || a.armed || (a.untilMs !== null && nowMs >= a.untilMs);
}

/**
 * Pure: the arming after a switch command: `ON` arms; `OFF` snoozes for `snoozeMinutes` (0: until switched on again).
 * Anything else is not a command (undefined).
 */
export function armingAfter(command: string, nowMs: number, snoozeMinutes: number): ArmingState | undefined {
  const c = command.trim().toUpperCase();
  if (c === 'ON') return { armed: true, untilMs: null };
  if (c === 'OFF') return { armed: false, untilMs: snoozeMinutes > 0 ? nowMs + snoozeMinutes * 60_000 : null };
  return undefined;
}
