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
 * Estimates the wall-clock time of stream time 0 for one ffmpeg run. Each observation is "at wall time W ffmpeg had
 * written stream time t"; since a frame cannot be written before it was captured, W − t is an upper bound of the
 * true offset, and the smallest recent one is the best estimate (a connect burst or the input probe only make
 * observations looser). A sliding window lets the estimate follow a camera clock that runs slow or fast.
 */
export class StreamClock {
  private readonly samples: { wallMs: number; offsetMs: number }[] = [];
  constructor(private readonly windowMs = 120_000) {}

  observe(wallMs: number, streamSeconds: number): void {
    const offsetMs = wallMs - streamSeconds * 1000;
    // Keep the samples increasing in offset from the front: an older, larger one can never be the minimum again.
    while (this.samples.length > 0 && this.samples[this.samples.length - 1]!.offsetMs >= offsetMs) this.samples.pop();
    this.samples.push({ wallMs, offsetMs });
    while (this.samples.length > 1 && wallMs - this.samples[0]!.wallMs > this.windowMs) this.samples.shift();
  }

  /** The current estimate, or null before the first observation. */
  offsetMs(): number | null {
    return this.samples[0]?.offsetMs ?? null;
  }
}

/** ffmpeg's progress line (`... time=00:01:02.50 ...`): the stream time written so far, in seconds. */
export function progressSeconds(line: string): number | null {
  const m = /time=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null;
}

/**
 * Wall-clock times of a closed segment from its stream times and the run's offset. Within one ffmpeg run a segment
 * starts where the previous one ended, so the catalogue shows no false gap when the estimate moves.
 */
export function segmentWallTimes(entry: ListEntry, offsetMs: number, prevEndMs: number | null): { startMs: number; endMs: number } {
  const endMs = Math.round(offsetMs + entry.end * 1000);
  const startMs = prevEndMs ?? Math.round(offsetMs + entry.start * 1000);
  return { startMs: Math.min(startMs, endMs), endMs };
}
