import type { SegmentRow } from '../catalog/segments.js';
import type { SegmentRecord } from '../pipeline/records.js';

/** A segment the recorder closed (or found on disk and catalogued): its catalog row, and its length in seconds. */
export interface ClosedSegment extends SegmentRow {
  durationSeconds: number;
}

/** The `segment` pipeline record of a closed segment (what `cctv record` writes to stdout). */
export function toSegmentRecord(s: ClosedSegment): SegmentRecord {
  return {
    v: 1, kind: 'segment', camera: s.camera, path: s.path,
    start: new Date(s.startMs).toISOString(), end: new Date(s.endMs).toISOString(),
    durationSeconds: Math.round(s.durationSeconds * 1000) / 1000, bytes: s.bytes,
  };
}
