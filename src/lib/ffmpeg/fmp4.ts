/**
 * Fragmented MP4 as ffmpeg writes it to a pipe (`-movflags frag_keyframe+empty_moov+default_base_moof`), split into
 * what Media Source Extensions take: the init segment (ftyp + moov) and media fragments (moof + mdat), each fragment
 * flagged when it starts with a keyframe (where a new viewer may join), plus the RFC 6381 codec string of the init
 * segment (`avc1.64001f`, …) that `MediaSource.isTypeSupported`/`addSourceBuffer` want. Pure: bytes in, pieces out.
 */

export type Fmp4Piece = { kind: 'init'; data: Buffer; mime: string } | { kind: 'fragment'; data: Buffer; keyframe: boolean };

interface Box {
  type: string;
  /** Offset of the payload (after the header) and the end, within the buffer it was read from. */
  start: number;
  end: number;
}

/** The boxes directly inside `buf[from, to)`; a box whose declared size overruns stops the list. */
function boxes(buf: Buffer, from = 0, to = buf.length): Box[] {
  const out: Box[] = [];
  let o = from;
  while (o + 8 <= to) {
    let size = buf.readUInt32BE(o);
    let header = 8;
    if (size === 1) {
      if (o + 16 > to) break;
      size = Number(buf.readBigUInt64BE(o + 8));
      header = 16;
    }
    if (size < header || o + size > to) break;
    out.push({ type: buf.toString('latin1', o + 4, o + 8), start: o + header, end: o + size });
    o += size;
  }
  return out;
}

const child = (buf: Buffer, parent: Box, type: string) => boxes(buf, parent.start, parent.end).find((b) => b.type === type);
const path = (buf: Buffer, parent: Box, ...types: string[]): Box | undefined =>
  types.reduce<Box | undefined>((b, t) => (b ? child(buf, b, t) : undefined), parent);

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** The codec string of one sample entry (`avc1`, `hvc1`, `mp4a` …), or null for one it does not know. */
function codecOf(buf: Buffer, entry: Box): string | null {
  const visual = entry.start + 78; // SampleEntry (8) + VisualSampleEntry fields (70)
  switch (entry.type) {
    case 'avc1':
    case 'avc3': {
      const c = boxes(buf, visual, entry.end).find((b) => b.type === 'avcC');
      return c ? `${entry.type}.${hex2(buf[c.start + 1]!)}${hex2(buf[c.start + 2]!)}${hex2(buf[c.start + 3]!)}` : null;
    }
    case 'hvc1':
    case 'hev1': {
      const c = boxes(buf, visual, entry.end).find((b) => b.type === 'hvcC');
      if (!c) return null;
      const p = c.start;
      const space = ['', 'A', 'B', 'C'][buf[p + 1]! >> 6];
      const tier = buf[p + 1]! & 0x20 ? 'H' : 'L';
      const profile = buf[p + 1]! & 0x1f;
      // The 32 compatibility flags in reverse bit order, as hex without leading zeros.
      let compat = 0;
      const flags = buf.readUInt32BE(p + 2);
      for (let i = 0; i < 32; i++) if (flags & (1 << i)) compat |= 1 << (31 - i);
      const constraints = [...buf.subarray(p + 6, p + 12)];
      while (constraints.length > 1 && constraints[constraints.length - 1] === 0) constraints.pop();
      return [`${entry.type}.${space}${profile}`, (compat >>> 0).toString(16), `${tier}${buf[p + 12]}`, ...constraints.map((b) => b.toString(16).toUpperCase())].join('.');
    }
    case 'mp4a': {
      const esds = boxes(buf, entry.start + 28, entry.end).find((b) => b.type === 'esds');
      const aot = esds ? audioObjectType(buf.subarray(esds.start + 4, esds.end)) : null;
      return `mp4a.40.${aot ?? 2}`;
    }
    default:
      return null;
  }
}

/** The AAC audio object type in an ES descriptor (its DecoderSpecificInfo's first 5 bits), or null. */
function audioObjectType(d: Buffer): number | null {
  // Descriptors: tag, a size of 1-4 bytes (7 bits each), payload. ES_Descriptor (3) > DecoderConfig (4) > DSI (5).
  let o = 0;
  while (o < d.length) {
    const tag = d[o++]!;
    let size = 0;
    for (let i = 0; i < 4 && o < d.length; i++) {
      const b = d[o++]!;
      size = (size << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    if (tag === 3) o += 3; // ES_ID, flags (no optional fields in what ffmpeg writes)
    else if (tag === 4) o += 13; // objectType, streamType, bufferSize, bitrates
    else if (tag === 5) return size > 0 && o < d.length ? d[o]! >> 3 : null;
    else o += size;
  }
  return null;
}

/** `video/mp4; codecs="…"` of an init segment: every track's codec it knows. */
export function initMime(init: Buffer): string {
  const codecs: string[] = [];
  const moov = boxes(init).find((b) => b.type === 'moov');
  for (const trak of moov ? boxes(init, moov.start, moov.end).filter((b) => b.type === 'trak') : []) {
    const stsd = path(init, trak, 'mdia', 'minf', 'stbl', 'stsd');
    const entry = stsd ? boxes(init, stsd.start + 8, stsd.end)[0] : undefined; // full box header + entry count
    const codec = entry ? codecOf(init, entry) : null;
    if (codec) codecs.push(codec);
  }
  return codecs.length ? `video/mp4; codecs="${codecs.join(', ')}"` : 'video/mp4';
}

/** Sample flag: not a sync sample (not a keyframe). */
const NON_SYNC = 0x10000;

/**
 * Whether a fragment starts with a keyframe: the first sample's flags of its first track run (trun first-sample or
 * per-sample flags, else the track fragment's default flags, else `trexDefault` from the init segment). A fragment
 * without any flags counts as a keyframe only when `trexDefault` says so.
 */
export function startsWithKeyframe(moof: Buffer, trexDefault = NON_SYNC): boolean {
  const root = boxes(moof).find((b) => b.type === 'moof');
  const traf = root && child(moof, root, 'traf');
  if (!traf) return false;
  let flags = trexDefault;
  const tfhd = child(moof, traf, 'tfhd');
  if (tfhd) {
    const f = moof.readUInt32BE(tfhd.start) & 0xffffff;
    let o = tfhd.start + 8; // version/flags, track id
    if (f & 0x1) o += 8; // base data offset
    if (f & 0x2) o += 4; // sample description index
    if (f & 0x8) o += 4; // default duration
    if (f & 0x10) o += 4; // default size
    if (f & 0x20) flags = moof.readUInt32BE(o);
  }
  const trun = child(moof, traf, 'trun');
  if (trun) {
    const f = moof.readUInt32BE(trun.start) & 0xffffff;
    let o = trun.start + 8; // version/flags, sample count
    if (f & 0x1) o += 4; // data offset
    if (f & 0x4) flags = moof.readUInt32BE(o);
    else if (f & 0x400) {
      o += f & 0x100 ? 4 : 0;
      o += f & 0x200 ? 4 : 0;
      flags = moof.readUInt32BE(o);
    }
  }
  return (flags & NON_SYNC) === 0;
}

/** The default sample flags of the init segment's first track extends box (moov/mvex/trex), or NON_SYNC. */
function trexDefaultFlags(init: Buffer): number {
  const moov = boxes(init).find((b) => b.type === 'moov');
  const trex = moov && path(init, moov, 'mvex', 'trex');
  return trex && trex.end - trex.start >= 24 ? init.readUInt32BE(trex.start + 20) : NON_SYNC;
}

/**
 * Splits a fragmented MP4 byte stream into its init segment and fragments as bytes arrive (push chunks of any size;
 * each call returns the pieces completed by it). Boxes after the last fragment (the mfra index) are dropped.
 */
export class Fmp4Splitter {
  private pending: Buffer = Buffer.alloc(0);
  private init: Buffer[] | null = [];
  private moof: Buffer | null = null;
  private trexDefault = NON_SYNC;

  push(chunk: Buffer): Fmp4Piece[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Fmp4Piece[] = [];
    for (;;) {
      const box = this.nextBox();
      if (!box) break;
      const type = box.toString('latin1', 4, 8);
      if (this.init !== null) {
        if (type !== 'moof') {
          this.init.push(box);
          continue;
        }
        const data = Buffer.concat(this.init);
        this.init = null;
        this.trexDefault = trexDefaultFlags(data);
        out.push({ kind: 'init', data, mime: initMime(data) });
      }
      if (type === 'moof') this.moof = box;
      else if (type === 'mdat' && this.moof) {
        out.push({ kind: 'fragment', data: Buffer.concat([this.moof, box]), keyframe: startsWithKeyframe(this.moof, this.trexDefault) });
        this.moof = null;
      }
    }
    return out;
  }

  /** The next whole top-level box, taken off the pending bytes, or null until it is complete. */
  private nextBox(): Buffer | null {
    const p = this.pending;
    if (p.length < 8) return null;
    let size = p.readUInt32BE(0);
    if (size === 1) {
      if (p.length < 16) return null;
      size = Number(p.readBigUInt64BE(8));
    }
    if (size < 8) throw new Error(`not an MP4 stream (box size ${size})`);
    if (p.length < size) return null;
    this.pending = p.subarray(size);
    return p.subarray(0, size);
  }
}
