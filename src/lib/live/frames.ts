import path from 'node:path';
import type { Db } from '../catalog/db.js';
import { lastSegment } from '../catalog/segments.js';
import type { FrameRequest } from '../detect/types.js';
import type { Writable } from 'node:stream';
import { errorMessage } from '../errors.js';
import { liveDecodeArgs, videoSizeFromStderr, type LiveDecode } from '../ffmpeg/live.js';
import { startFfmpeg, type LongRunning } from '../ffmpeg/run.js';
import { log } from '../log.js';
import { sleep } from '../wait.js';
import { tailRecording } from './tail.js';

/**
 * The newest picture of a camera, from the recording `cctv record` is writing (no second connection to the camera):
 * the tail reader (tail.ts) feeds the growing Matroska segment to an ffmpeg decoder that passes out every picture as
 * raw RGB at the detector's size; Node keeps only the newest. When the recorder starts the next segment, the decoder
 * is started again on it. Only `mkv` recordings can be followed (mp4 and ts: not live; the caller falls back).
 */
export interface LatestFrame {
  data: Buffer;
  width: number;
  height: number;
  /** Wall-clock time the picture came out of the decoder (≤ ~0.3 s after it happened, GUIDE part C). */
  atMs: number;
  /** Counts pictures: a sample takes a picture only when this moved on. */
  seq: number;
}

/**
 * One live decoder process: ffmpeg started ahead of need, waiting on stdin (no CPU while it waits), so an event does
 * not pay ffmpeg's start (0.1 s idle, 0.6-1 s on a loaded machine, measured here). Its pictures go to `onPicture`.
 */
export class LiveDecoder {
  private readonly ff: LongRunning;
  private frame: Buffer;
  private filled = 0;
  onPicture: ((picture: Buffer) => void) | null = null;
  cameraSize: { width: number; height: number } | null = null;
  lastError = '';

  constructor(readonly d: LiveDecode) {
    const size = d.width * d.height * 3;
    this.frame = Buffer.alloc(size);
    this.ff = startFfmpeg({
      args: liveDecodeArgs(d),
      stdin: true,
      onStderr: (line) => {
        this.cameraSize ??= videoSizeFromStderr(line);
        if (/error|invalid/i.test(line)) this.lastError = line;
      },
      onStdout: (chunk) => {
        for (let at = 0; at < chunk.length; ) {
          const n = Math.min(size - this.filled, chunk.length - at);
          chunk.copy(this.frame, this.filled, at, at + n);
          this.filled += n;
          at += n;
          if (this.filled === size) {
            this.onPicture?.(this.frame);
            this.frame = Buffer.alloc(size);
            this.filled = 0;
          }
        }
      },
    });
  }

  get stdin(): Writable {
    return this.ff.stdin!;
  }

  get done(): LongRunning['done'] {
    return this.ff.done;
  }

  stop(): void {
    this.ff.stop(true);
  }
}

/**
 * Decoders started ahead of need, one spare per kind (every picture / keyframes only): take() hands the spare over and
 * starts the next `refillMs` later, not while the session that took it is starting (ffmpeg's start took a core for
 * 0.1 s just when the first picture was being decoded and looked at). close() stops the spares.
 */
export class DecoderPool {
  private readonly spares = new Map<string, LiveDecoder>();
  private readonly refills = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly size: { width: number; height: number }, private readonly refillMs = 3000) {}

  take(keyframesOnly: boolean): LiveDecoder {
    if (this.closed) throw new Error('DecoderPool is closed');
    const key = String(keyframesOnly);
    const ready = this.spares.get(key);
    this.spares.delete(key);
    if (!this.refills.has(key)) {
      this.refills.set(key, setTimeout(() => {
        this.refills.delete(key);
        if (!this.closed) this.warm(keyframesOnly);
      }, this.refillMs));
    }
    return ready ?? new LiveDecoder({ ...this.size, keyframesOnly });
  }

  /** Starts the spare decoder of a kind now (at analyze's start), so the first event does not wait for it. */
  warm(keyframesOnly: boolean): void {
    if (!this.spares.has(String(keyframesOnly))) this.spares.set(String(keyframesOnly), new LiveDecoder({ ...this.size, keyframesOnly }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.refills.values()) clearTimeout(t);
    this.refills.clear();
    const all = [...this.spares.values()];
    this.spares.clear();
    all.forEach((d) => d.stop());
    await Promise.all(all.map((d) => d.done));
  }
}

export interface LiveFramesOptions {
  db: Db;
  dataDir: string;
  camera: string;
  request: FrameRequest & { height: number };
  keyframesOnly: boolean;
  /** Where decoders come from (started ahead); without one, each is started when needed. */
  decoders?: DecoderPool;
  /** Gives up when no open mkv segment of the camera shows up within this long. */
  waitForSegmentMs?: number;
}

export class LiveFrames {
  private latestFrame: LatestFrame | null = null;
  private readonly abort = new AbortController();
  private stopDecoder: (() => void) | null = null;
  private seq = 0;
  /** The camera's picture size, as the decoder reported it (for the snapshot's aspect). */
  cameraSize: { width: number; height: number } | null = null;
  /** Resolves when the reader stopped (stop(), no recording to follow, or a failure: `failure` says). */
  readonly done: Promise<void>;
  failure: string | null = null;

  constructor(private readonly o: LiveFramesOptions) {
    this.done = this.run().catch((err: unknown) => {
      this.failure = errorMessage(err);
    });
  }

  latest(): LatestFrame | null {
    return this.latestFrame;
  }

  stop(): void {
    this.abort.abort();
    this.stopDecoder?.();
  }

  /** The camera's segment being written (mkv), or null. */
  private openSegment(): string | null {
    const seg = lastSegment(this.o.db, this.o.camera);
    return seg && !seg.closed && seg.path.endsWith('.mkv') ? seg.path : null;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let current = await this.waitForSegment(null);
    let from: 'newest-keyframe' | 'start' = 'newest-keyframe';
    while (current !== null && !signal.aborted) {
      await this.decode(current, from);
      from = 'start';
      current = await this.waitForSegment(current);
    }
  }

  /** The open segment other than `after`, waiting for the recorder when there is none yet; null when it gives up. */
  private async waitForSegment(after: string | null): Promise<string | null> {
    const deadline = Date.now() + (this.o.waitForSegmentMs ?? 5000);
    while (!this.abort.signal.aborted) {
      const seg = this.openSegment();
      if (seg !== null && seg !== after) return seg;
      if (Date.now() > deadline) {
        if (after === null) this.failure = `no ${this.o.camera} recording being written (mkv) to follow`;
        return null;
      }
      await sleep(50, this.abort.signal);
    }
    return null;
  }

  private async decode(rel: string, from: 'newest-keyframe' | 'start'): Promise<void> {
    const { width, height } = this.o.request;
    const d = this.o.decoders?.take(this.o.keyframesOnly) ?? new LiveDecoder({ width, height, keyframesOnly: this.o.keyframesOnly });
    // The pictures before the newest one at the start are the past (the keyframe interval up to now, decoded at once):
    // a sample taken among them would look at what happened up to a keyframe interval ago.
    let past = 0;
    let decoded = 0;
    d.onPicture = (data) => {
      this.cameraSize ??= d.cameraSize;
      if (++decoded < past) return;
      this.latestFrame = { data, width, height, atMs: Date.now(), seq: ++this.seq };
    };
    this.stopDecoder = () => d.stop();
    const ended = await tailRecording({
      file: path.join(this.o.dataDir, rel), out: d.stdin, signal: this.abort.signal, finished: () => this.openSegment() !== rel, from,
      // Keyframes only: the backlog holds one picture, its first.
      backlog: (frames) => (past = this.o.keyframesOnly ? Math.min(frames, 1) : frames),
    }).catch((err: unknown) => {
      log.warn({ camera: this.o.camera, file: rel, err: errorMessage(err) }, 'live: cannot follow the recording');
      return 'closed' as const;
    });
    if (ended === 'finished') d.stdin.end();
    else d.stop();
    const exit = await d.done;
    this.stopDecoder = null;
    this.cameraSize ??= d.cameraSize;
    if (ended !== 'aborted' && exit.code !== 0 && d.lastError) log.debug({ camera: this.o.camera, err: d.lastError }, 'live decoder');
  }
}
