/**
 * The detector plug-in contract. A detector looks at one still frame and says which objects of the
 * label vocabulary (labels.ts) it sees. Frame sampling, thresholds per clip, early stop and posters
 * live in examine.ts; a detector only answers "what is in this picture".
 */

/** A box in normalised image coordinates: 0..1 from the top-left corner, fractions of width/height. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One object seen in a frame. `name` is a vocabulary label; `confidence` is 0..1. */
export interface Detection {
  name: string;
  confidence: number;
  box?: Box;
}

/** Pixel formats a detector can ask for: raw RGB (3 bytes per pixel, rows top to bottom) or a JPEG file. */
export type FrameFormat = 'rgb24' | 'jpeg';

/**
 * What a detector wants to be fed. `width` is the output width in pixels; `height` is fixed when
 * given (the picture is stretched to width×height), otherwise it follows the source's aspect ratio.
 */
export interface FrameRequest {
  format: FrameFormat;
  width: number;
  height?: number;
}

/** A decoded still frame: `data` is `width*height*3` bytes for rgb24, a whole JPEG file for jpeg. */
export interface Frame {
  offsetSeconds: number;
  format: FrameFormat;
  width: number;
  height: number;
  data: Buffer;
}

/**
 * A detector. Contract:
 * - `input` is constant for the detector's life; frames given to detect() follow it.
 * - detect() resolves with the vocabulary detections it found (possibly none), each with confidence
 *   0..1 and, where the backend locates objects, a normalised box. It may drop detections below its
 *   configured minimum confidence, never invents labels outside the vocabulary, and rejects with a
 *   RuntimeError when the backend fails (after its own retries).
 * - Calls may overlap; the detector serialises them itself where its backend needs that.
 * - close() releases per-instance resources; it is idempotent. Shared models may stay loaded for the
 *   process so a second detector does not pay the load again.
 */
export interface Detector {
  readonly name: string;
  readonly input: FrameRequest;
  detect(frame: Frame): Promise<Detection[]>;
  close(): Promise<void>;
}
