import { colorAllowed } from '../lib/log.js';

/** A colour for an ink `<Text color>`, or none when NO_COLOR is set (ink's chalk does not read it). */
export function paint<C extends string>(color: C): C | undefined {
  return colorAllowed(process.env, true) ? color : undefined;
}
