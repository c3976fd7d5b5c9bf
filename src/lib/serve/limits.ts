import { HttpError } from './http.js';

/**
 * Limits on the expensive answers, per user and in total (`serve.limits`): live streams (each one HTTP response,
 * whatever the number of cameras in it) and remuxes (recording playback and exports: an ffmpeg each). Beyond a
 * limit the answer is 429 with a message saying which limit and a Retry-After.
 */
export type LimitKind = 'live' | 'remux';

export interface LimitConfig {
  liveSessions: number;
  liveSessionsPerUser: number;
  remuxes: number;
  remuxesPerUser: number;
}

/** Pure: why one more `kind` for `user` is refused, or null when it is allowed. */
export function refusal(kind: LimitKind, total: number, ofUser: number, limits: LimitConfig): string | null {
  const [all, per, what, key] = kind === 'live'
    ? [limits.liveSessions, limits.liveSessionsPerUser, 'live streams', 'liveSessions']
    : [limits.remuxes, limits.remuxesPerUser, 'recording playbacks and exports', 'remuxes'];
  if (ofUser >= per) return `too many ${what} open for this user (${per}, serve.limits.${key}PerUser): close one and retry`;
  if (total >= all) return `too many ${what} open on this server (${all}, serve.limits.${key}): retry shortly`;
  return null;
}

export class Limits {
  private readonly open = { live: new Map<string, number>(), remux: new Map<string, number>() };

  constructor(private readonly limits: LimitConfig) {}

  /**
   * Takes one `kind` for `user` or throws a 429 HttpError; the returned function gives it back (once). A request whose
   * client has already gone (`signal` aborted: it waited on the catalog or a probe and was given up) takes no place.
   */
  acquire(kind: LimitKind, user: string, signal?: AbortSignal): () => void {
    if (signal?.aborted) throw new HttpError(499, 'the client closed the request');
    const byUser = this.open[kind];
    const why = refusal(kind, this.count(kind), byUser.get(user) ?? 0, this.limits);
    if (why) throw new HttpError(429, why, { 'retry-after': '5' });
    byUser.set(user, (byUser.get(user) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (byUser.get(user) ?? 1) - 1;
      if (n > 0) byUser.set(user, n);
      else byUser.delete(user);
    };
  }

  /** How many of `kind` are open (all users). */
  count(kind: LimitKind): number {
    let n = 0;
    for (const v of this.open[kind].values()) n += v;
    return n;
  }
}

/** `stream`, calling `release` once when it ends, fails or is cancelled (the client went away). */
export function releasing<T>(stream: ReadableStream<T>, release: () => void): ReadableStream<T> {
  const reader = stream.getReader();
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        release();
        controller.error(err);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}
