import { open } from 'node:fs/promises';
import type { MediaInfo } from '../ffmpeg/probe.js';

/**
 * What an MP4 holds (container, duration, first video and audio codec), read from its `moov` box in-process: the same
 * answer ffprobe gives (probeMedia) for the plain MP4s upload handles all the time (its own cuts, camera clips), at
 * the cost of a read of a few KB instead of an ffprobe process (~0.1 s of CPU). Anything it does not recognise for
 * certain (another container, fragmented MP4, a codec outside the table, an odd box) gives undefined: ask ffprobe.
 */

/** ffprobe's format_name for the whole ISO-BMFF family. */
export const MP4_FORMAT = 'mov,mp4,m4a,3gp,3g2,mj2';

const VIDEO: Record<string, string> = { avc1: 'h264', avc3: 'h264', hvc1: 'hevc', hev1: 'hevc', vp09: 'vp9', av01: 'av1' };
/** MPEG-4 objectTypeIndication (esds) → codec. */
const AUDIO_OTI: Record<number, string> = { 0x40: 'aac', 0x66: 'aac', 0x67: 'aac', 0x68: 'aac', 0x69: 'mp3', 0x6b: 'mp3' };
const MAX_MOOV = 32 << 20;
const HEAD_BYTES = 64 << 10;

export async function readMp4Info(file: string): Promise<MediaInfo | undefined> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const read = async (at: number, n: number) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(n, size - at)));
      const { bytesRead } = await handle.read(buf, 0, buf.length, at);
      return buf.subarray(0, bytesRead);
    };
    const head = await read(0, HEAD_BYTES);
    if (head.toString('latin1', 4, 8) !== 'ftyp') return undefined;
    for (let at = 0; at + 8 <= size; ) {
      // A top-level box header: from the first read, or read where it is (moov after a big mdat).
      const inHead = at + 16 <= head.length;
      const box = inHead ? boxAt(head, at, size) : shift(boxAt(await read(at, 16), 0, size - at), at);
      if (!box) return undefined;
      if (box.type === 'moof') return undefined; // fragmented
      if (box.type === 'moov') {
        const len = box.end - box.body;
        if (len > MAX_MOOV) return undefined;
        const moov = box.end <= head.length ? head.subarray(box.body, box.end) : await read(box.body, len);
        return moov.length === len ? parseMoov(moov) : undefined;
      }
      at = box.end;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

interface Box {
  type: string;
  /** Offset of the payload and of the end, in the buffer. */
  body: number;
  end: number;
}

function boxAt(buf: Buffer, at: number, limit: number): Box | undefined {
  if (at + 8 > buf.length) return undefined;
  let size = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  let body = at + 8;
  if (size === 1) {
    if (at + 16 > buf.length) return undefined;
    size = Number(buf.readBigUInt64BE(at + 8));
    body = at + 16;
  } else if (size === 0) {
    size = limit - at;
  }
  const end = at + size;
  if (size < body - at || end > limit) return undefined;
  return { type, body, end };
}

const shift = (box: Box | undefined, by: number): Box | undefined => box && { type: box.type, body: box.body + by, end: box.end + by };

/** The child boxes of buf[from, to). */
function children(buf: Buffer, from: number, to: number): Box[] | undefined {
  const out: Box[] = [];
  for (let at = from; at < to; ) {
    const box = boxAt(buf, at, to);
    if (!box) return undefined;
    out.push(box);
    at = box.end;
  }
  return out;
}

const child = (buf: Buffer, parent: Box | undefined, type: string): Box | undefined =>
  parent && children(buf, parent.body, parent.end)?.find((b) => b.type === type);

function parseMoov(moov: Buffer): MediaInfo | undefined {
  const top = children(moov, 0, moov.length);
  if (!top || top.some((b) => b.type === 'mvex')) return undefined; // fragmented
  const mvhd = top.find((b) => b.type === 'mvhd');
  if (!mvhd) return undefined;
  const v1 = moov[mvhd.body] === 1;
  const timescale = moov.readUInt32BE(mvhd.body + (v1 ? 20 : 12));
  const duration = v1 ? Number(moov.readBigUInt64BE(mvhd.body + 24)) : moov.readUInt32BE(mvhd.body + 16);
  if (timescale === 0 || duration === 0 || (!v1 && duration === 0xffffffff)) return undefined;
  let video: string | null = null;
  let audio: string | null = null;
  for (const trak of top.filter((b) => b.type === 'trak')) {
    const mdia = child(moov, trak, 'mdia');
    const hdlr = child(moov, mdia, 'hdlr');
    if (!hdlr) return undefined;
    const handler = moov.toString('latin1', hdlr.body + 8, hdlr.body + 12);
    if (handler !== 'vide' && handler !== 'soun') continue;
    const stsd = child(moov, child(moov, child(moov, mdia, 'minf'), 'stbl'), 'stsd');
    if (!stsd) return undefined;
    const entry = boxAt(moov, stsd.body + 8, stsd.end);
    if (!entry) return undefined;
    if (handler === 'vide') {
      const codec = VIDEO[entry.type];
      if (codec === undefined) return undefined;
      video ??= codec;
    } else {
      const codec = entry.type === '.mp3' ? 'mp3' : entry.type === 'mp4a' ? esdsCodec(moov.subarray(entry.body, entry.end)) : undefined;
      if (codec === undefined) return undefined;
      audio ??= codec;
    }
  }
  return { format: MP4_FORMAT, durationSeconds: duration / timescale, video, audio };
}

/** The codec an `mp4a` sample entry's esds names (AAC or MP3), else undefined. */
function esdsCodec(entry: Buffer): string | undefined {
  const at = entry.indexOf('esds', 0, 'latin1');
  if (at < 4) return undefined;
  let p = at + 4 + 4; // fourcc, version + flags
  const descriptor = (tag: number): boolean => {
    if (entry[p] !== tag) return false;
    p++;
    for (let i = 0; i < 4 && p < entry.length; i++) if ((entry[p++]! & 0x80) === 0) break;
    return p < entry.length;
  };
  if (!descriptor(0x03)) return undefined;
  const flags = entry[p + 2] ?? 0;
  p += 3; // ES_ID, flags
  if (flags & 0x80) p += 2;
  if (flags & 0x40) p += 1 + (entry[p] ?? 0);
  if (flags & 0x20) p += 2;
  if (!descriptor(0x04)) return undefined;
  return AUDIO_OTI[entry[p] ?? -1];
}
