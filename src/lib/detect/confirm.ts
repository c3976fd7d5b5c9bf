import { covers } from './labels.js';
import type { Detection } from './types.js';

/**
 * Live confirmation: before anyone is told, the detector must see the label in `needed` of the last `of` samples
 * (frames a moment apart), or once with `highConfidence`. One frame of a waving tree or a shadow that looks like a
 * person at 0.6 does not alert; a person seen twice, or once clearly, does. Pure, for every live alert path.
 */
export interface ConfirmRule {
  /** A detection counts from this confidence (0..1); usually detect.minConfidence. */
  minConfidence: number;
  /** …and confirms on its own from this one. */
  highConfidence: number;
  needed: number;
  of: number;
}

export const DEFAULT_CONFIRM: Omit<ConfirmRule, 'minConfidence'> = { highConfidence: 0.85, needed: 2, of: 3 };

/**
 * The labels of `wanted` confirmed by the latest samples (oldest first, each the detections of one frame), in the
 * order of `wanted`. A wanted category covers its members (vehicle ← car).
 */
export function confirmedLabels(samples: readonly (readonly Detection[])[], wanted: readonly string[], rule: ConfirmRule): string[] {
  const recent = samples.slice(-rule.of);
  const best = (frame: readonly Detection[], label: string) =>
    Math.max(0, ...frame.filter((d) => covers(label, d.name)).map((d) => d.confidence));
  return wanted.filter((label) => {
    const scores = recent.map((frame) => best(frame, label));
    if (scores.length > 0 && scores[scores.length - 1]! >= rule.highConfidence) return true;
    return scores.filter((s) => s >= rule.minConfidence).length >= rule.needed;
  });
}
