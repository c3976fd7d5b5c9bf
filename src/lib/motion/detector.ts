import { absorb, foreground, learn, learningRate, seedBackground, type Background } from './background.js';
import { findBlobs, trackBlobs, type Track } from './blobs.js';
import { regionMask, type Polygon } from './geometry.js';
import { matchBrightness } from './light.js';

/**
 * The motion detector of one camera: small grey pictures in, "motion or not" out. Pure (no I/O, no clock: each
 * sample carries its time), so every rule is testable on synthetic pictures. After WARMUP_SECONDS of learning:
 * 1. brightness normalisation (light.ts) undoes global light changes;
 * 2. pixels that depart from the adaptive background (background.ts) are foreground — only inside the zones and
 *    outside the masks (geometry.ts);
 * 3. when more than `maxChangedShare` of the watched area changed at once, the change is global (the IR switch, a
 *    light going on, the camera moved): no motion, and the background restarts from this picture;
 * 4. foreground is grouped into blobs (blobs.ts); blobs smaller than `minArea` are ignored;
 * 5. motion is a blob that persists over `persistSamples` consecutive samples.
 */
export interface MotionSettings {
  /** 0..1: how small a brightness difference counts (see pixelThreshold). */
  sensitivity: number;
  /** Share of the picture (0..1) a blob must cover. */
  minArea: number;
  /** Consecutive samples a blob must be seen in. */
  persistSamples: number;
  /** Share of the watched area above which a change is global and ignored. */
  maxChangedShare: number;
  /** Time constant of the background model (how fast it takes in slow changes); also how long something must stay still to become background. */
  backgroundSeconds: number;
  zones: readonly Polygon[];
  masks: readonly Polygon[];
}

/** The picture size the detector works at (the decoder scales to it; 4:3 pictures are squeezed, which blobs do not mind). */
export const MOTION_WIDTH = 128;
export const MOTION_HEIGHT = 72;

/**
 * After a (re)start the detector only learns for this long, fast (a 1 s time constant) and everywhere: the scene, and
 * which pixels are restless (leaves, water, a noisy corner), before it judges anything…
 */
export const WARMUP_SECONDS = 2;
/**
 * …and for at least this many pictures: from keyframes only (one every 1-4 s) two seconds are one or two pictures, too
 * few to tell restless pixels (a snowy corner of the RTSP test picture made motion events).
 */
export const WARMUP_SAMPLES = 8;

/** How far (picture widths per second) a blob may move between samples and still be the same thing. */
export const TRACK_SPEED = 0.3;

/** Sensitivity 0..1 → the grey-level difference (0..255) a pixel needs: 0 → 50, 0.5 → 30, 1 → 10. */
export function pixelThreshold(sensitivity: number): number {
  return 50 - 40 * sensitivity;
}

export type MotionState = 'learning' | 'still' | 'motion' | 'global';

export interface MotionSample {
  state: MotionState;
  /** Share of the watched area that differs from the background by more than CHANGE_DELTA. */
  changedShare: number;
  /** Blobs of at least minArea, with how long each has been seen. */
  tracks: Track[];
  /** With `motion`: when the persisting blob was first seen (ms). */
  sinceMs?: number;
}

export class MotionDetector {
  private readonly mask: Uint8Array;
  private readonly watched: number;
  private readonly threshold: number;
  private readonly minPixels: number;
  private bg: Background | null = null;
  private lastAtMs = 0;
  private startedAtMs = 0;
  /** Pictures learnt from since the background was seeded (the seed included). */
  private learnt = 0;
  private tracks: Track[] = [];

  private readonly width = MOTION_WIDTH;
  private readonly height = MOTION_HEIGHT;

  constructor(private readonly s: MotionSettings) {
    this.mask = regionMask(this.width, this.height, s.zones, s.masks);
    this.watched = this.mask.reduce((n, v) => n + v, 0);
    this.threshold = pixelThreshold(s.sensitivity);
    this.minPixels = Math.max(1, Math.ceil(s.minArea * this.width * this.height));
  }

  /** One grey picture (width×height bytes, rows top to bottom) taken at `atMs`. */
  sample(frame: Uint8Array, atMs: number): MotionSample {
    if (frame.length !== this.width * this.height) throw new Error(`motion: expected ${this.width * this.height} bytes, got ${frame.length}`);
    const elapsed = (atMs - this.lastAtMs) / 1000;
    this.lastAtMs = atMs;
    // The first picture seeds the background (and with zones and masks leaving nothing watched, every one does).
    if (!this.bg || this.watched === 0) {
      this.bg = seedBackground(Float32Array.from(frame));
      this.startedAtMs = atMs;
      this.learnt = 1;
      return { state: 'learning', changedShare: 0, tracks: [] };
    }
    const pixels = matchBrightness(frame, this.bg.mean, this.mask, this.threshold);
    if (atMs - this.startedAtMs < WARMUP_SECONDS * 1000 || this.learnt < WARMUP_SAMPLES) {
      this.learnt++;
      learn(this.bg, pixels, new Uint8Array(pixels.length), learningRate(elapsed, 1));
      return { state: 'learning', changedShare: 0, tracks: [] };
    }
    const { fg, changed } = foreground(pixels, frame, this.bg, this.mask, this.threshold);
    const changedShare = changed / this.watched;
    if (changedShare > this.s.maxChangedShare) {
      this.bg.mean.set(pixels);
      this.tracks = [];
      return { state: 'global', changedShare, tracks: [] };
    }
    learn(this.bg, pixels, fg, learningRate(elapsed, this.s.backgroundSeconds));
    const blobs = findBlobs(fg, this.width, this.height).filter((b) => b.area >= this.minPixels);
    const margin = Math.max(2, Math.round(TRACK_SPEED * Math.max(0, elapsed) * this.width));
    // Something that has not moved for backgroundSeconds (a parked car, the ghost a departed person left in a
    // background restarted while they stood there) becomes background.
    const stillMs = this.s.backgroundSeconds * 1000;
    this.tracks = trackBlobs(this.tracks, blobs, atMs, margin).filter((t) => {
      if (atMs - t.stillSinceMs < stillMs) return true;
      absorb(this.bg!, pixels, fg, this.width, t);
      return false;
    });
    const lasting = this.tracks.filter((t) => t.hits >= this.s.persistSamples);
    if (lasting.length === 0) return { state: 'still', changedShare, tracks: this.tracks };
    return { state: 'motion', changedShare, tracks: this.tracks, sinceMs: Math.min(...lasting.map((t) => t.firstAtMs)) };
  }
}
