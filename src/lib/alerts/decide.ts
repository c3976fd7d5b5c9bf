import { coveredByAny } from '../detect/labels.js';

/**
 * Pure: whether a freshly analysed clip alerts.
 * - `none`: no found label is covered by `alerts.on` (the record says alert: false);
 * - `repeat`: this event (or clip) has alerted before: alert: true, but nothing new is sent (idempotent re-runs,
 *   several clips of one event);
 * - `cooldown`: another event of the same camera alerted less than `cooldownSeconds` before this clip (clip time,
 *   so a re-run decides the same): alert: false;
 * - `new`: alert: true, and the sinks are told.
 */
export type AlertDecision = 'none' | 'repeat' | 'cooldown' | 'new';

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
}

export function decideAlert(i: AlertDecisionInput): AlertDecision {
  if (!i.found.some((name) => coveredByAny(i.alertOn, name))) return 'none';
  if (i.alreadyAlerted) return 'repeat';
  if (i.lastAlertMs !== null && i.atMs - i.lastAlertMs < i.cooldownSeconds * 1000) return 'cooldown';
  return 'new';
}

/** True for the decisions whose `analyzed` record says alert: true. */
export const alerts = (d: AlertDecision): boolean => d === 'new' || d === 'repeat';
