import type { LiveMessage, LiveViewer } from './source.js';

/**
 * Live messages as HTTP response bodies. A viewer that reads too slowly (more than `maxQueuedBytes` waiting) skips
 * to the next keyframe instead of falling further behind; every viewer starts at a keyframe.
 */

/** Pure: which fragments a viewer gets — from a keyframe on, and from the next keyframe again once it lags too far. */
export class KeyframeGate {
  private waiting = true;

  constructor(private readonly maxQueuedBytes: number) {}

  /** Whether to send fragment `m` to a viewer with `queued` bytes not yet read. */
  pass(m: { keyframe: boolean }, queued: number): boolean {
    if (queued > this.maxQueuedBytes) {
      this.waiting = true;
      return false;
    }
    if (this.waiting && !m.keyframe) return false;
    this.waiting = false;
    return true;
  }

  /** After an outage or a new init segment, the next fragment must be a keyframe again. */
  reset(): void {
    this.waiting = true;
  }
}

/**
 * One camera as a plain fragmented MP4 stream (what `ffplay`, VLC or a `<video>` fed by MSE read): the init segment,
 * then fragments from a keyframe on. It ends at an outage (the next start of the camera has a new init segment).
 * `watch` registers the viewer and returns its removal.
 */
export function plainLiveStream(watch: (viewer: LiveViewer) => () => void, maxQueuedBytes = 8 << 20): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let unwatch: (() => void) | null = null;
  let open = true;
  const gate = new KeyframeGate(maxQueuedBytes);
  let sentInit = false;
  const end = () => {
    if (!open) return;
    open = false;
    unwatch?.();
    controller.close();
  };
  const viewer: LiveViewer = {
    send(m: LiveMessage) {
      if (!open) return;
      if (m.kind === 'outage' || (m.kind === 'init' && sentInit)) return end();
      if (m.kind === 'init') {
        sentInit = true;
        controller.enqueue(m.data);
      } else if (gate.pass(m, -(controller.desiredSize ?? 0))) controller.enqueue(m.data);
    },
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        unwatch = watch(viewer);
      },
      cancel() {
        open = false;
        unwatch?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}

/** Message types of the framed stream (see muxedLiveStream). */
export const MUX = { mime: 0, init: 1, fragment: 2, outage: 3 } as const;

/** One framed message: type (1 byte), camera index (1 byte), payload length (4 bytes, big-endian), payload. */
export function muxFrame(type: number, index: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + payload.length);
  out[0] = type;
  out[1] = index;
  new DataView(out.buffer).setUint32(2, payload.length);
  out.set(payload, 6);
  return out;
}

/**
 * Several cameras in ONE response (the web app's grid: a browser holds only six HTTP/1.1 connections per server, so a
 * stream per camera would starve everything else): framed messages (muxFrame) carrying, per camera index, its MIME
 * type, its init segment (again after each restart), its fragments from a keyframe on, and outages. A camera's outage
 * does not end the stream: its source restarts and sends a new init segment.
 */
export function muxedLiveStream(watches: ((viewer: LiveViewer) => () => void)[], maxQueuedBytes = 8 << 20): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const unwatches: (() => void)[] = [];
  let open = true;
  const text = new TextEncoder();
  const viewerOf = (index: number): LiveViewer => {
    const gate = new KeyframeGate(maxQueuedBytes);
    return {
      send(m: LiveMessage) {
        if (!open) return;
        if (m.kind === 'outage') {
          gate.reset();
          controller.enqueue(muxFrame(MUX.outage, index, text.encode(m.reason)));
        } else if (m.kind === 'init') {
          gate.reset();
          controller.enqueue(muxFrame(MUX.mime, index, text.encode(m.mime)));
          controller.enqueue(muxFrame(MUX.init, index, m.data));
        } else if (gate.pass(m, -(controller.desiredSize ?? 0))) controller.enqueue(muxFrame(MUX.fragment, index, m.data));
      },
    };
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        try {
          watches.forEach((watch, i) => unwatches.push(watch(viewerOf(i))));
        } catch (err) {
          open = false;
          unwatches.forEach((u) => u());
          throw err;
        }
      },
      cancel() {
        open = false;
        unwatches.forEach((u) => u());
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}
