/** Pure decisions of the recorder supervisor (table-tested). */

export interface ListEntry {
  name: string;
  /** Stream time in seconds (continuous across the segments of one ffmpeg run). */
  start: number;
  end: number;
}

/**
 * Parses ffmpeg's CSV segment list (`name,start,end` per closed segment) from `offset`; a trailing partial line is
 * left for the next call (`consumed` stops before it).
 */
export function parseSegmentList(text: string, offset: number): { entries: ListEntry[]; consumed: number } {
  const entries: ListEntry[] = [];
  let pos = offset;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    const line = text.slice(pos, nl).trim();
    pos = nl + 1;
    // Names may be quoted when they contain commas; ours never do.
    const m = /^"?(.+?)"?,(-?[\d.]+),(-?[\d.]+)$/.exec(line);
    if (m) entries.push({ name: m[1]!, start: Number(m[2]), end: Number(m[3]) });
  }
  return { entries, consumed: pos };
}

/**
 * The wait before restarting ffmpeg: 1 s, doubling to `maxSeconds`; a run that recorded for a minute or more
 * resets it (the camera was healthy, so the next failure is a new one).
 */
export function nextBackoff(previousSeconds: number, ranMs: number, maxSeconds: number): number {
  if (ranMs >= 60_000 || previousSeconds <= 0) return Math.min(1, maxSeconds);
  return Math.min(previousSeconds * 2, maxSeconds);
}

/**
 * Wall-clock times of a closed segment. ffmpeg reports stream times; the wall-clock offset of the stream is estimated
 * from when ffmpeg opened this segment and the next one (each open happens at or after the wall time of its first
 * frame: at connect a camera may burst buffered frames, so the smaller estimate is the better one). Within one
 * ffmpeg run a segment starts where the previous ended, so the catalogue has no false gaps, and the end follows the
 * local estimate, so camera clock drift does not accumulate.
 */
export function segmentWallTimes(
  entry: ListEntry,
  openedMs: number,
  nextOpenedMs: number | null,
  prevEndMs: number | null,
): { startMs: number; endMs: number } {
  let offsetMs = openedMs - entry.start * 1000;
  if (nextOpenedMs !== null) offsetMs = Math.min(offsetMs, nextOpenedMs - entry.end * 1000);
  const endMs = Math.round(offsetMs + entry.end * 1000);
  const startMs = prevEndMs ?? Math.round(offsetMs + entry.start * 1000);
  return { startMs: Math.min(startMs, endMs), endMs };
}
