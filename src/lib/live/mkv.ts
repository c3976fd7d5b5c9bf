/**
 * Just enough Matroska (EBML) to follow a recording while ffmpeg writes it: where the header ends (everything a
 * decoder needs before the first Cluster), which track is the video, and each Cluster's place, timecode and whether it
 * opens with a video keyframe. The recorder starts a new cluster with every video frame and at every keyframe
 * (src/lib/ffmpeg/args.ts SEGMENT_MUXER), so "the newest cluster that starts with a keyframe" is where a decoder can
 * join the recording. Pure functions over byte buffers; the file reading is tail.ts.
 */

export const EBML_ID = 0x1a45dfa3;
export const SEGMENT_ID = 0x18538067;
export const CLUSTER_ID = 0x1f43b675;
export const TRACKS_ID = 0x1654ae6b;
const TRACK_ENTRY_ID = 0xae;
const TRACK_NUMBER_ID = 0xd7;
const TRACK_TYPE_ID = 0x83;
const TIMECODE_ID = 0xe7;
const SIMPLE_BLOCK_ID = 0xa3;
const BLOCK_GROUP_ID = 0xa0;
const BLOCK_ID = 0xa1;
const REFERENCE_BLOCK_ID = 0xfb;

/** An element header: its id (marker bits kept, as the spec writes ids), data size (null: unknown), header length. */
export interface ElementHeader {
  id: number;
  size: number | null;
  headerBytes: number;
}

/** A variable-length integer at `at`: its value (marker bit removed) and length; null when `buf` ends first. */
function vint(buf: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; allOnes: boolean } | null {
  if (at >= buf.length) return null;
  const first = buf[at]!;
  if (first === 0) throw new Error(`invalid EBML variable-length integer at byte ${at}`);
  const length = Math.clz32(first) - 23;
  if (at + length > buf.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = buf[at + i]!;
    value = value * 256 + b;
    if (b !== 0xff) allOnes = false;
  }
  return { value, length, allOnes };
}

/** The element header at `at`, or null when `buf` ends inside it. */
export function readHeader(buf: Uint8Array, at: number): ElementHeader | null {
  const id = vint(buf, at, true);
  if (!id) return null;
  if (id.length > 4) throw new Error(`invalid EBML element id at byte ${at}`);
  const size = vint(buf, at + id.length, false);
  if (!size) return null;
  return { id: id.value, size: size.allOnes ? null : size.value, headerBytes: id.length + size.length };
}

function readUint(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[at + i]!;
  return v;
}

/** The children of the element whose data is buf[from, to) (complete ones only), as [header, dataStart]. */
function* children(buf: Uint8Array, from: number, to: number): Generator<[ElementHeader, number]> {
  for (let at = from; at < to; ) {
    const h = readHeader(buf, at);
    if (!h || h.size === null || at + h.headerBytes + h.size > to) return;
    yield [h, at + h.headerBytes];
    at += h.headerBytes + h.size;
  }
}

/** The number of the first video track of a Tracks element's data, or null. */
export function videoTrack(buf: Uint8Array, from: number, to: number): number | null {
  for (const [entry, start] of children(buf, from, to)) {
    if (entry.id !== TRACK_ENTRY_ID) continue;
    let number: number | null = null;
    let type: number | null = null;
    for (const [h, at] of children(buf, start, start + entry.size!)) {
      if (h.id === TRACK_NUMBER_ID) number = readUint(buf, at, h.size!);
      if (h.id === TRACK_TYPE_ID) type = readUint(buf, at, h.size!);
    }
    if (type === 1 && number !== null) return number;
  }
  return null;
}

/** Where the file's header ends (the first Cluster starts) and its video track; null until the header is all there. */
export interface MkvHead {
  /** Byte offset of the first Cluster: bytes [0, firstCluster) are what a decoder needs first. */
  firstCluster: number;
  videoTrack: number;
}

/** Parses the start of a recording; null when `buf` does not yet hold the whole header and the first Cluster's id. */
export function parseHead(buf: Uint8Array): MkvHead | null {
  const ebml = readHeader(buf, 0);
  if (!ebml) return null;
  if (ebml.id !== EBML_ID) throw new Error('not a Matroska file (no EBML header)');
  const segAt = ebml.headerBytes + (ebml.size ?? 0);
  const seg = readHeader(buf, segAt);
  if (!seg) return null;
  if (seg.id !== SEGMENT_ID) throw new Error('not a Matroska file (no Segment after the EBML header)');
  let track: number | null = null;
  for (let at = segAt + seg.headerBytes; ; ) {
    const h = readHeader(buf, at);
    if (!h) return null;
    if (h.id === CLUSTER_ID) return track === null ? null : { firstCluster: at, videoTrack: track };
    if (h.size === null) throw new Error(`Matroska element ${h.id.toString(16)} of unknown size before the first Cluster`);
    const end = at + h.headerBytes + h.size;
    if (end > buf.length) return null;
    if (h.id === TRACKS_ID) track = videoTrack(buf, at + h.headerBytes, end);
    at = end;
  }
}

/** One Cluster: where it starts, its length in bytes (header included), its timecode (ms) and whether a video keyframe opens it. */
export interface ClusterInfo {
  offset: number;
  bytes: number;
  timecodeMs: number;
  keyframe: boolean;
}

/**
 * The Cluster starting at buf[0] (at `offset` in the file). `buf` holds its first bytes (up to CLUSTER_PEEK of them);
 * null when its header or timecode is not in `buf`, 'not-a-cluster' for any other element (Cues, Tags after the last
 * Cluster of a closed file). `keyframe` is false when no block of the video track is in `buf`. A Cluster of unknown
 * size (a live muxer) is not followed: null.
 */
export function parseCluster(buf: Uint8Array, offset: number, track: number): ClusterInfo | null | 'not-a-cluster' {
  const h = readHeader(buf, 0);
  if (!h) return null;
  if (h.id !== CLUSTER_ID) return 'not-a-cluster';
  if (h.size === null) return null;
  let timecodeMs: number | null = null;
  let keyframe: boolean | null = null;
  const end = Math.min(buf.length, h.headerBytes + h.size);
  for (let at = h.headerBytes; at < end && keyframe === null; ) {
    const c = readHeader(buf, at);
    if (!c || c.size === null) break;
    const data = at + c.headerBytes;
    if (c.id === TIMECODE_ID && data + c.size <= end) timecodeMs = readUint(buf, data, c.size);
    else {
      const block = readBlock(buf, c, data, end);
      if (block?.track === track) keyframe = block.keyframe;
    }
    at = data + c.size;
  }
  if (timecodeMs === null) return null;
  return { offset, bytes: h.headerBytes + h.size, timecodeMs, keyframe: keyframe ?? false };
}

/** The track and keyframe flag of a SimpleBlock or BlockGroup whose data starts at `data` (ends by `end`); null for other elements or when cut short. */
function readBlock(buf: Uint8Array, h: ElementHeader, data: number, end: number): { track: number; keyframe: boolean } | null {
  if (h.id === SIMPLE_BLOCK_ID) {
    const t = vint(buf, data, false);
    return t && data + t.length + 3 <= end ? { track: t.value, keyframe: (buf[data + t.length + 2]! & 0x80) !== 0 } : null;
  }
  if (h.id !== BLOCK_GROUP_ID) return null;
  // A Block inside a BlockGroup is a keyframe when the group has no ReferenceBlock.
  const inner = [...children(buf, data, Math.min(end, data + h.size!))];
  const block = inner.find(([b]) => b.id === BLOCK_ID);
  const t = block && vint(buf, block[1], false);
  return t ? { track: t.value, keyframe: !inner.some(([b]) => b.id === REFERENCE_BLOCK_ID) } : null;
}

/**
 * The video frames (blocks of `track`) in the complete Clusters of `buf`, which starts at a Cluster: how many pictures
 * a decoder fed these bytes passes out before the newest one (the backlog a live reader skips).
 */
export function videoFrames(buf: Uint8Array, track: number): number {
  let n = 0;
  for (let at = 0; at < buf.length; ) {
    const h = readHeader(buf, at);
    if (!h || h.id !== CLUSTER_ID || h.size === null) break;
    const end = at + h.headerBytes + h.size;
    if (end > buf.length) break;
    for (const [c, data] of children(buf, at + h.headerBytes, end)) if (readBlock(buf, c, data, end)?.track === track) n++;
    at = end;
  }
  return n;
}

/** Bytes of a Cluster's start read to learn its timecode and keyframe flag. */
export const CLUSTER_PEEK = 1024;

const CLUSTER_ID_BYTES = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

/**
 * The newest Cluster opening with a video keyframe among the complete Clusters of `buf` (the last bytes of a file
 * being written, from `offset` in it), as a file offset; null when none is found. `buf` may start anywhere: the first
 * run of Clusters that follow each other up to the end of `buf` is taken (a cluster cut short by the end is being
 * written and is not chosen), so a Cluster id that happens to appear inside a picture's bytes is not followed. A
 * closed file (Cues after the last Cluster) has no such run: null.
 */
export function newestKeyframeIn(buf: Buffer, offset: number, track: number): number | null {
  for (let i = buf.indexOf(CLUSTER_ID_BYTES); i >= 0; i = buf.indexOf(CLUSTER_ID_BYTES, i + 1)) {
    const found = keyframeOfRun(buf, i, track);
    if (found !== undefined) return found === null ? null : offset + found;
  }
  return null;
}

/** The newest keyframe Cluster of the run of Clusters from `from` to the end of `buf` (null: none), undefined when no such run starts there. */
function keyframeOfRun(buf: Buffer, from: number, track: number): number | null | undefined {
  let newest: number | null = null;
  for (let at = from; at < buf.length; ) {
    let c: ReturnType<typeof parseCluster>;
    try {
      c = parseCluster(buf.subarray(at, at + CLUSTER_PEEK), at, track);
    } catch {
      return undefined;
    }
    if (c === 'not-a-cluster') return undefined;
    // The cluster being written (cut short by the end of `buf`) ends the run, when the run has one complete cluster.
    if (c === null || at + c.bytes > buf.length) return at > from ? newest : undefined;
    if (c.keyframe) newest = at;
    at += c.bytes;
  }
  return newest;
}
