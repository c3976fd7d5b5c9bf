// Media Source Extensions, shared by the live view and the timeline player: a MediaSource on a <video> (or Safari's
// ManagedMediaSource on iOS 17.1+, which has no MediaSource), one SourceBuffer, and an append queue that never
// appends while the buffer is busy and makes room when the browser's quota is reached.

/** The MediaSource class this browser has, or null (then live falls back to refreshed frames). */
export const MediaSourceClass = window.ManagedMediaSource ?? window.MediaSource ?? null;

export function canPlay(mime) {
  return !!MediaSourceClass && MediaSourceClass.isTypeSupported(mime);
}

/** A MediaSource attached to `video` with one SourceBuffer of `mime`; resolves once it is open. */
export function openSource(video, mime) {
  const ms = new MediaSourceClass();
  if (window.ManagedMediaSource && ms instanceof window.ManagedMediaSource) video.disableRemotePlayback = true;
  const url = URL.createObjectURL(ms);
  video.src = url;
  return new Promise((resolve, reject) => {
    ms.addEventListener('sourceopen', () => {
      URL.revokeObjectURL(url);
      try {
        const sb = ms.addSourceBuffer(mime);
        sb.mode = 'segments';
        resolve({ ms, queue: new AppendQueue(sb, video) });
      } catch (err) {
        reject(err);
      }
    }, { once: true });
  });
}

/** Appends in order, one at a time; on QuotaExceededError drops what lies more than `keepSeconds` behind the playhead. */
export class AppendQueue {
  constructor(sb, video, keepSeconds = 10) {
    this.sb = sb;
    this.video = video;
    this.keep = keepSeconds;
    this.pending = [];
    this.onAppended = null;
    this.failed = false;
    sb.addEventListener('updateend', () => this.pump());
    sb.addEventListener('error', () => (this.failed = true));
  }

  /** Queues `data` (an init segment, fragments, or any slice of the byte stream). `offset`: the timestampOffset to use from it on. */
  push(data, offset) {
    this.pending.push({ data, offset });
    this.pump();
  }

  /** Empties the buffer (a seek outside what is buffered). */
  clear() {
    this.pending = [{ clear: true }];
    this.pump();
  }

  /** Seconds buffered ahead of the playhead (or of media time `from` when that is later: where playback will start). */
  ahead(from = 0) {
    const b = this.sb.buffered;
    return b.length ? b.end(b.length - 1) - Math.max(from, this.video.currentTime) : 0;
  }

  pump() {
    if (this.sb.updating || this.failed || this.pending.length === 0) {
      if (!this.sb.updating && this.pending.length === 0) this.onAppended?.();
      return;
    }
    const next = this.pending[0];
    try {
      if (next.clear) {
        this.pending.shift();
        if (this.sb.buffered.length) this.sb.remove(0, Infinity);
        else this.pump();
        return;
      }
      if (next.offset !== undefined && this.sb.timestampOffset !== next.offset) this.sb.timestampOffset = next.offset;
      this.sb.appendBuffer(next.data);
      this.pending.shift();
    } catch (err) {
      if (err.name === 'QuotaExceededError' && this.sb.buffered.length && this.video.currentTime - this.sb.buffered.start(0) > this.keep) {
        this.sb.remove(0, this.video.currentTime - this.keep);
      } else if (err.name !== 'QuotaExceededError') {
        this.failed = true;
        this.pending = [];
      }
    }
  }
}
