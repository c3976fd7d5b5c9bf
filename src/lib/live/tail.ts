import { open, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { sleep } from '../wait.js';
import { CLUSTER_PEEK, newestKeyframeIn, parseCluster, parseHead, videoFrames, type MkvHead } from './mkv.js';

/**
 * Follows one Matroska recording while the recorder writes it and copies it to `out` (a live decoder's stdin): first
 * the header, then from the newest Cluster that opens with a video keyframe (so the decoder starts at once, not at the
 * segment's start), then every byte as it is written. The file is looked at every `pollMs` (one fstat; no 1 ms polling
 * like ffmpeg's `-follow 1`). When `finished()` says the recorder moved on (the segment closed or a newer one opened),
 * what is left is copied and the copy ends: the caller starts again on the next segment.
 */
export interface TailOptions {
  file: string;
  out: Writable;
  signal: AbortSignal;
  /** True once the recorder no longer writes this file. Asked when the file stops growing. */
  finished(): boolean;
  pollMs?: number;
  /** Start at the newest keyframe Cluster (default), or at the first Cluster (a segment that just opened). */
  from?: 'newest-keyframe' | 'start';
  /**
   * Told, before anything is copied, how many video frames the file already holds from where the copy starts: the
   * decoder's first pictures up to that many are the past, decoded as fast as it can (the newest is the last of them).
   */
  backlog?(frames: number): void;
}

/** A backlog larger than this (a keyframe interval beyond newestKeyframe's window) is not counted: 0 is told. */
const BACKLOG_MAX_BYTES = 16 << 20;

/** How the copy ended: the file was finished and copied to its end, the signal aborted, or `out` closed. */
export type TailEnd = 'finished' | 'aborted' | 'closed';

export async function tailRecording(o: TailOptions): Promise<TailEnd> {
  const pollMs = o.pollMs ?? 40;
  const fh = await open(o.file, 'r');
  const closed = new AbortController();
  const onClose = () => closed.abort();
  const stop = AbortSignal.any([o.signal, closed.signal]);
  o.out.once('close', onClose);
  o.out.once('error', onClose);
  try {
    const head = await readHead(fh, o, pollMs);
    if (!head) return o.signal.aborted ? 'aborted' : 'closed';
    const headBytes = await readAt(fh, 0, head.firstCluster);
    const start = o.from === 'start' ? head.firstCluster : await newestKeyframe(fh, head);
    if (o.backlog) {
      const { size } = await fh.stat();
      o.backlog(size - start <= BACKLOG_MAX_BYTES ? videoFrames(await readAt(fh, start, size - start), head.videoTrack) : 0);
    }
    if (!(await write(o.out, headBytes, stop))) return o.signal.aborted ? 'aborted' : 'closed';
    let pos = start;
    for (;;) {
      if (o.signal.aborted) return 'aborted';
      if (closed.signal.aborted) return 'closed';
      const { size } = await fh.stat();
      if (size > pos) {
        const chunk = await readAt(fh, pos, Math.min(size - pos, 1 << 20));
        pos += chunk.length;
        if (!(await write(o.out, chunk, stop))) return o.signal.aborted ? 'aborted' : 'closed';
        continue;
      }
      if (o.finished()) {
        // The recorder may have written its last bytes between the stat and the question: one more look.
        const last = (await fh.stat()).size;
        if (last > pos) continue;
        return 'finished';
      }
      await sleep(pollMs, stop);
    }
  } finally {
    o.out.off('close', onClose);
    o.out.off('error', onClose);
    await fh.close();
  }
}

/** Waits until the file's header is all there; null when aborted first. */
async function readHead(fh: FileHandle, o: TailOptions, pollMs: number): Promise<MkvHead | null> {
  for (let want = 64 << 10; ; ) {
    if (o.signal.aborted) return null;
    const buf = await readAt(fh, 0, want);
    const head = parseHead(buf);
    if (head) return head;
    if (buf.length === want) want *= 2;
    else await sleep(pollMs, o.signal);
  }
}

/**
 * The offset of the newest complete Cluster that opens with a video keyframe (the first Cluster when none does). It is
 * looked for in the file's last `windowBytes` (a few keyframe intervals at most bitrates: one read, whatever the
 * segment's length), then in four times as many; a keyframe interval longer than that (or a closed file) is found
 * by walking the Clusters from the first by their headers (a read of CLUSTER_PEEK bytes each, one per video frame:
 * a second or more near the end of a 900 s segment).
 */
export async function newestKeyframe(fh: FileHandle, head: MkvHead, windowBytes = 4 << 20): Promise<number> {
  const { size } = await fh.stat();
  for (const window of [windowBytes, windowBytes * 4]) {
    const from = Math.max(head.firstCluster, size - window);
    const found = newestKeyframeIn(await readAt(fh, from, size - from), from, head.videoTrack);
    if (found !== null) return found;
    if (from === head.firstCluster) break; // the whole file was looked at: a closed file, or no keyframe yet
  }
  let best = head.firstCluster;
  for (let at = head.firstCluster; at < size; ) {
    const peek = await readAt(fh, at, CLUSTER_PEEK);
    const c = parseCluster(peek, at, head.videoTrack);
    if (c === null || c === 'not-a-cluster' || at + c.bytes > size) break;
    if (c.keyframe) best = at;
    at += c.bytes;
  }
  return best;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Writes with backpressure; false when `out` is closed or failed, or `signal` aborted while it was full. */
async function write(out: Writable, chunk: Buffer, signal: AbortSignal): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(chunk)) return true;
  const drained = await once(out, 'drain', { signal }).then(() => true, () => false);
  return drained && !out.destroyed;
}
