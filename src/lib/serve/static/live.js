// Live view (#/live): a grid of every camera (sub streams) from ONE framed HTTP stream, a camera full screen (main
// stream) on click, each tile a <video> fed through Media Source Extensions and held near the live edge. Without MSE
// (or for a codec the browser cannot play), a tile shows the latest recorded frame, refreshed.
import { api, el, fmtTime } from './dom.js';
import { canPlay, openSource } from './mse.js';

/** Message types of the framed stream (src/lib/serve/live/streams.ts MUX). */
const MUX = { mime: 0, init: 1, fragment: 2, outage: 3 };

/** Reads framed messages (type, camera index, payload) from a fetch body until it ends or `signal` aborts. */
async function readFrames(body, onMessage) {
  const reader = body.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf);
    joined.set(value, buf.length);
    buf = joined;
    let o = 0;
    while (buf.length - o >= 6) {
      const len = new DataView(buf.buffer, buf.byteOffset + o + 2, 4).getUint32(0);
      if (buf.length - o - 6 < len) break;
      onMessage(buf[o], buf[o + 1], buf.slice(o + 6, o + 6 + len));
      o += 6 + len;
    }
    buf = buf.slice(o);
  }
}

/**
 * One camera in a <video>: a new MediaSource for each init segment (the source restarted), fragments appended as they
 * come, the playhead kept `target` seconds behind the newest frame (jumping when more than `maxBehind` behind,
 * playing 10 % faster in between), what lies behind trimmed.
 */
export class LiveTile {
  constructor(video, { onFallback, target = 0.15, maxBehind = 1.0 }) {
    this.video = video;
    this.onFallback = onFallback;
    this.target = target;
    this.maxBehind = maxBehind;
    this.queue = null;
    this.pending = null;
    this.token = null;
    this.mime = null;
  }

  message(type, payload) {
    if (type === MUX.mime) {
      this.mime = new TextDecoder().decode(payload);
      this.queue = null;
      this.pending = [];
      if (!canPlay(this.mime)) return this.onFallback(`this browser cannot play ${this.mime} live`);
      const token = (this.token = {});
      openSource(this.video, this.mime).then(({ queue }) => {
        if (this.token !== token) return;
        queue.onAppended = () => this.follow();
        this.queue = queue;
        for (const p of this.pending) queue.push(p);
        this.pending = [];
      }).catch((err) => this.onFallback(err.message));
    } else if (type === MUX.init || type === MUX.fragment) {
      if (this.queue) this.queue.push(payload);
      else this.pending?.push(payload);
    } else if (type === MUX.outage) {
      this.video.dataset.state = 'outage';
    }
  }

  /** Keeps the playhead near the live edge. */
  follow() {
    const v = this.video;
    const b = v.buffered;
    if (!b.length) return;
    const edge = b.end(b.length - 1);
    const behind = edge - v.currentTime;
    if (v.currentTime < b.start(b.length - 1) || behind > this.maxBehind) v.currentTime = Math.max(b.start(b.length - 1), edge - this.target);
    else v.playbackRate = behind > this.target * 2 ? 1.1 : 1;
    if (v.paused) v.play().catch(() => {});
    v.dataset.state = 'live';
    const sb = this.queue?.sb;
    if (sb && !sb.updating && v.currentTime - b.start(0) > 30) sb.remove(0, v.currentTime - 10);
  }
}

/**
 * Watches `cameras` (names) on `stream` into `videos` (same order) through one framed response, until `signal`
 * aborts; reconnects after 2 s when the stream ends or fails. `onFallback(i, why)` when a tile cannot play.
 */
export async function watchLive(cameras, stream, videos, signal, onFallback) {
  while (!signal.aborted) {
    const tiles = videos.map((v, i) => new LiveTile(v, { onFallback: (why) => onFallback(i, why) }));
    try {
      const q = new URLSearchParams([...cameras.map((c) => ['camera', c]), ['stream', stream]]);
      const res = await fetch(`/media/live?${q}`, { signal });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error || res.statusText);
      await readFrames(res.body, (type, i, payload) => tiles[i]?.message(type, payload));
    } catch (err) {
      if (signal.aborted) return;
      for (const v of videos) v.dataset.state = 'reconnecting';
      document.getElementById('live-status')?.replaceChildren(`Live: ${err.message}; retrying`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** A signal that aborts when either does (AbortSignal.any is too new for some phones). */
function anySignal(a, b) {
  const c = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) c.abort();
    else s.addEventListener('abort', () => c.abort(), { once: true });
  }
  return c.signal;
}

let stopLive = null;

/** Leaves the live view: stops its streams (the server stops the cameras' ffmpegs when nobody else watches). */
export function leaveLive() {
  stopLive?.();
  stopLive = null;
}

export async function liveView(view, { cameras }) {
  leaveLive();
  const controller = new AbortController();
  const timers = [];
  stopLive = () => {
    controller.abort();
    timers.forEach(clearInterval);
  };
  const health = new Map((await api('/api/cameras')).cameras.map((c) => [c.name, c]));
  const status = el('p', { class: 'note', id: 'live-status' }, cameras.length ? '' : 'No cameras configured.');
  const grid = el('div', { class: 'grid live-grid', id: 'live' });
  const tiles = cameras.map((c) => {
    // The latest recorded frame shows until live video plays (and while the camera is unreachable).
    const video = el('video', { class: 'live-video', muted: true, autoplay: true, playsinline: true, 'data-camera': c.name, poster: health.get(c.name)?.latest });
    video.muted = true;
    const meta = el('div', { class: 'meta' });
    const card = el('article', { class: 'live-card', 'data-camera': c.name, tabindex: 0, title: 'Full screen', onclick: () => fullScreen(c.name), onkeydown: (ev) => ev.key === 'Enter' && fullScreen(c.name) }, video, meta);
    return { name: c.name, video, meta, card };
  });
  grid.append(...tiles.map((t) => t.card));
  view.replaceChildren(grid, status);

  const showHealth = () => {
    for (const t of tiles) {
      const c = health.get(t.name);
      if (!c) continue;
      t.meta.replaceChildren(
        el('strong', {}, c.name), ' ',
        el('span', { class: `badge ${c.recording ? 'ok' : ''}` }, c.recording ? 'recording' : 'not recording'),
        el('div', { class: 'sub' }, c.lastSegment ? `last segment until ${fmtTime(c.lastSegment.end)}` : 'no recording yet'),
        el('div', { class: 'sub' }, `${c.gaps24h.length} gap(s) in 24 h${c.gaps24h.length ? `, last: ${c.gaps24h[c.gaps24h.length - 1].reason}` : ''}`));
    }
  };
  showHealth();
  timers.push(setInterval(() => api('/api/cameras').then((r) => {
    for (const c of r.cameras) health.set(c.name, c);
    showHealth();
  }).catch(() => {}), 10_000));

  /** A tile that cannot play live shows the latest recorded frame, refreshed every 2 s. */
  const fallback = (i, why) => {
    const t = tiles[i];
    if (!t || t.card.querySelector('img')) return;
    const img = el('img', { alt: `${t.name} latest frame`, class: 'live-frame' });
    const refresh = () => (img.src = `${health.get(t.name)?.latest ?? `/media/latest/${encodeURIComponent(t.name)}.jpg`}?t=${Date.now()}`);
    refresh();
    timers.push(setInterval(refresh, 2000));
    t.video.replaceWith(img);
    t.card.title = why;
  };
  if (!window.ManagedMediaSource && !window.MediaSource) tiles.forEach((_, i) => fallback(i, 'live video needs Media Source Extensions'));

  let grid$ = null;
  const startGrid = () => {
    grid$ = new AbortController();
    const signal = anySignal(controller.signal, grid$.signal);
    const playable = tiles.filter((t) => t.card.contains(t.video));
    if (playable.length) watchLive(playable.map((t) => t.name), 'sub', playable.map((t) => t.video), signal, (i, why) => fallback(tiles.indexOf(playable[i]), why));
  };

  /** One camera's main stream over the whole window; the grid's stream pauses meanwhile. */
  function fullScreen(name) {
    grid$?.abort();
    const video = el('video', { class: 'live-video', id: 'live-full-video', muted: true, autoplay: true, playsinline: true, 'data-camera': name });
    video.muted = true;
    const full = new AbortController();
    const close = () => {
      full.abort();
      overlay.remove();
      document.removeEventListener('keydown', onKey);
      if (!controller.signal.aborted) startGrid();
    };
    const onKey = (ev) => ev.key === 'Escape' && close();
    const overlay = el('div', { class: 'live-full', id: 'live-full' },
      el('div', { class: 'player-head' }, el('span', {}, `${name} · live`), el('button', { type: 'button', 'aria-label': 'Close', onclick: close }, '✕')),
      video);
    document.addEventListener('keydown', onKey);
    controller.signal.addEventListener('abort', () => overlay.remove(), { once: true });
    document.body.append(overlay);
    watchLive([name], 'main', [video], anySignal(controller.signal, full.signal), (_i, why) => {
      status.textContent = why;
    });
  }

  startGrid();
}
