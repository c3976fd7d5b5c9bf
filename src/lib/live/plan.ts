import { confirmedLabels, type ConfirmRule } from '../detect/confirm.js';
import { coveredByAny } from '../detect/labels.js';
import type { Detection } from '../detect/types.js';

/**
 * The pure decisions of live analysis (table-tested in test/live/plan.test.ts): how often to look, whether a session
 * may start and how, when it stops, and what counts as confirmed.
 */

/**
 * Milliseconds between two samples, `elapsedMs` after the session started: every `firstMs / 2` for the first 3 s (about
 * the local detector's own pace: the first seconds decide how soon the alert comes, and a person at the door is seen in
 * them), every `firstMs` until 10 s, then twice that until 30 s, then four times that: a long event (someone working
 * in the garden) costs a sample every 2 s, not four a second.
 */
export function sampleIntervalMs(elapsedMs: number, firstMs: number): number {
  if (elapsedMs < 3_000) return firstMs / 2;
  if (elapsedMs < 10_000) return firstMs;
  if (elapsedMs < 30_000) return firstMs * 2;
  return firstMs * 4;
}

/**
 * How an event's live session runs, given the sessions already running (`active`) and the limit (`max`): `full`
 * (every picture decoded), `keyframes` (under load: more than half the sessions taken, decode keyframes only), or
 * `none` (saturated, or live analysis off: the event is analysed when it ends, as without live analysis).
 */
export type Admission = 'full' | 'keyframes' | 'none';

export function admit(active: number, max: number): Admission {
  if (max <= 0 || active >= max) return 'none';
  return active + 1 > Math.ceil(max / 2) ? 'keyframes' : 'full';
}

/** Why a session stops, or null while it goes on. */
export type StopReason = 'decided' | 'ended' | 'time-limit' | 'stopped';

export function stopReason(s: { decided: boolean; ended: boolean; elapsedMs: number; maxMs: number; stopped: boolean }): StopReason | null {
  if (s.decided) return 'decided';
  if (s.ended) return 'ended';
  if (s.stopped) return 'stopped';
  if (s.elapsedMs >= s.maxMs) return 'time-limit';
  return null;
}

/**
 * The alert labels confirmed so far: confirmedLabels (detect/confirm.ts, the one rule) over the detector's samples,
 * where a label the camera's own AI reported for the event (`cameraLabels`) counts as one sighting: it stands as a
 * sample just before the latest `of - 1` of the detector's, so with the default rule (2 of 3) one detector sighting
 * confirms it. The camera's word alone never confirms (see alerts.trustCameraLabels for that).
 */
export function liveConfirmed(
  samples: readonly (readonly Detection[])[],
  cameraLabels: readonly string[],
  alertOn: readonly string[],
  rule: ConfirmRule,
): string[] {
  if (samples.length === 0) return [];
  const said = cameraLabels.filter((l) => coveredByAny(alertOn, l));
  if (said.length === 0 || rule.of <= 1) return confirmedLabels(samples, alertOn, rule);
  const camera: Detection[] = said.map((name) => ({ name, confidence: rule.minConfidence }));
  const cut = Math.max(0, samples.length - (rule.of - 1));
  const withCamera = [...samples.slice(0, cut), camera, ...samples.slice(cut)];
  return confirmedLabels(withCamera, alertOn, rule);
}

/** The camera's own labels that alert at once with alerts.trustCameraLabels. */
export function trustedCameraLabels(cameraLabels: readonly string[], alertOn: readonly string[]): string[] {
  return cameraLabels.filter((l) => coveredByAny(alertOn, l));
}
