// The review timeline (#/timeline?camera&day): a camera's day as a bar of recordings, gaps and event markers (coloured
// by label; reviewed ones dimmed), zoomable from the whole day to a minute, scrubbed with keyframe thumbnails, and a
// player that plays the recordings continuously from any moment: runs of recordings are fetched as fragmented MP4 and
// appended to ONE Media Source buffer at their wall-clock place, so segment boundaries never stall, the next run is
// fetched before the current one ends, and gaps are jumped over.
//
// Keys: ← → 10 s (Shift: 1 min), + − zoom, N/] next event, P/[ previous event, space play/pause.
import { api, dayStart, el, fmtClock, localDay, mainLabel, withQuery } from './dom.js';
import { canPlay, openSource } from './mse.js';

const DAY = 86_400_000;
/** The zoom levels: the visible span of the bar. */
const SPANS = [DAY, 6 * 3_600_000, 3_600_000, 15 * 60_000, 5 * 60_000, 60_000];
const TICK_STEPS = [10_000, 30_000, 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000];
/** Seconds of recording each fetch asks for; the next is fetched when less than AHEAD_MS is left. */
const WINDOW_SECONDS = 60;
const AHEAD_MS = 15_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Plays a camera's recordings in one <video>: media time t is wall-clock time base + t s. `runs` are the recorded
 * spans ({startMs, endMs}) of the loaded day, used to find where the next run starts after a gap.
 */
export class RecordingPlayer {
  constructor(video, camera, baseMs, runs, onStatus) {
    Object.assign(this, { video, camera, base: baseMs, runs, onStatus });
    this.queue = null;
    this.mime = null;
    this.loading = null; // AbortController of the fetch in progress
    this.runEnd = null; // wall-clock end of what was fetched (or is being fetched)
    this.target = null; // wall-clock time a seek asked for, until the video is there
    video.addEventListener('timeupdate', () => this.tick());
    video.addEventListener('waiting', () => this.jumpGap());
  }

  /** The wall-clock time of the frame shown. */
  wall() {
    return this.base + this.video.currentTime * 1000;
  }

  /** Where playback is, or is about to be: the time a seek in progress asked for, else the frame shown. */
  position() {
    return this.target ?? this.wall();
  }

  buffered(t) {
    const b = this.video.buffered;
    for (let i = 0; i < b.length; i++) if (t >= b.start(i) && t < b.end(i) - 0.1) return true;
    return false;
  }

  /** Plays from wall-clock `ms`: at once when it is buffered, else fetched from the keyframe before it. */
  seek(ms) {
    const t = (ms - this.base) / 1000;
    if (this.queue && this.buffered(t)) {
      this.target = null;
      this.video.currentTime = t;
      this.video.play().catch(() => {});
      return Promise.resolve(true);
    }
    this.target = ms;
    // Once the load is over the seek is too (positioned, refused, or its moment never arrived).
    return this.load(ms, true).then((ok) => {
      if (this.target === ms) this.target = null;
      return ok;
    });
  }

  /** Fetches the run of recordings from `ms`; `fresh`: a new buffer, playing from `ms` once it arrives. */
  async load(ms, fresh) {
    this.loading?.abort();
    const ac = new AbortController();
    this.loading = ac;
    const url = withQuery(`/media/recording/${encodeURIComponent(this.camera)}.mp4`, { at: new Date(ms).toISOString(), seconds: WINDOW_SECONDS });
    let res;
    try {
      res = await fetch(url, { signal: ac.signal });
    } catch {
      return false;
    }
    if (!res.ok) {
      if (fresh) this.onStatus((await res.json().catch(() => ({}))).error || 'Nothing recorded at that moment.');
      return false;
    }
    const mime = res.headers.get('content-type');
    const startMs = Date.parse(res.headers.get('x-start'));
    this.runEnd = Date.parse(res.headers.get('x-end'));
    if (!canPlay(mime)) {
      // No Media Source (an older iPhone): the plain progressive stream, from its keyframe.
      await res.body.cancel();
      this.video.src = url;
      this.video.addEventListener('loadedmetadata', () => {
        this.video.currentTime = (ms - startMs) / 1000;
        if (this.target === ms) this.target = null;
      }, { once: true });
      this.video.play().catch(() => {});
      return true;
    }
    if (fresh || !this.queue || mime !== this.mime) {
      ({ queue: this.queue } = await openSource(this.video, mime));
      this.mime = mime;
    }
    const queue = this.queue;
    const offset = (startMs - this.base) / 1000;
    const reader = res.body.getReader();
    let started = !fresh;
    // The player may have stalled at a gap before this run arrived ('waiting' came too early to jump): jump once it is in.
    if (!fresh) queue.onAppended = () => this.jumpGap();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || ac.signal.aborted) break;
        queue.push(value, offset);
        if (!started) {
          started = true;
          queue.onAppended = () => {
            if (!this.buffered((ms - this.base) / 1000)) return;
            queue.onAppended = null;
            if (this.target === ms) this.target = null;
            this.video.currentTime = (ms - this.base) / 1000;
            this.video.play().catch(() => {});
          };
        }
        // Enough ahead: let the browser play it first (ahead of where a fresh load will start, before it is positioned there).
        while (queue.ahead(fresh ? (ms - this.base) / 1000 : 0) > 45 && !ac.signal.aborted) await sleep(500);
      }
    } catch {
      // aborted by a seek elsewhere
    } finally {
      if (this.loading === ac) this.loading = null;
    }
    return true;
  }

  /** Where playback continues after `ms`: `ms` itself while recorded, else the start of the next run; null at the end. */
  nextStart(ms) {
    for (const r of this.runs) {
      if (r.startMs <= ms && ms < r.endMs - 500) return ms;
      if (r.startMs > ms) return r.startMs;
    }
    return null;
  }

  tick() {
    if (this.loading || this.runEnd === null || !this.queue) return;
    if (this.runEnd - this.wall() > AHEAD_MS) return;
    const next = this.nextStart(this.runEnd);
    if (next === null) return;
    this.runEnd = null;
    void this.load(next, false);
  }

  /** At the end of a buffered range with a later one buffered (a gap in the recordings): jump to it. */
  jumpGap() {
    const v = this.video;
    const b = v.buffered;
    for (let i = 0; i + 1 < b.length; i++) {
      if (v.currentTime >= b.start(i) && v.currentTime >= b.end(i) - 0.3 && v.currentTime < b.start(i + 1)) {
        v.currentTime = b.start(i + 1);
        return;
      }
    }
  }
}

function tickStep(span) {
  return TICK_STEPS.find((s) => span / s <= 10) ?? TICK_STEPS[TICK_STEPS.length - 1];
}

let leaveTimeline = null;
export function stopTimeline() {
  leaveTimeline?.();
  leaveTimeline = null;
}

export async function timelineView(view, params, { cameras, capabilities }) {
  stopTimeline();
  const camera = params.get('camera') || cameras[0]?.name;
  const day = params.get('day') || localDay();
  if (!camera) {
    view.replaceChildren(el('p', { class: 'empty' }, 'No cameras configured.'));
    return;
  }
  const go = (changes) => {
    const p = new URLSearchParams({ camera, day, ...changes });
    location.hash = `#/timeline?${p}`;
  };
  const base = dayStart(day).getTime();
  const t = await api('/api/timeline', { camera, from: new Date(base).toISOString(), to: new Date(base + DAY).toISOString() });
  const runs = t.recorded.map((r) => ({ startMs: Date.parse(r.start), endMs: Date.parse(r.end) }));
  const events = t.events.map((e) => ({ ...e, startMs: Date.parse(e.start) })).sort((a, b) => a.startMs - b.startMs);
  const recordedAt = (ms) => runs.some((r) => r.startMs <= ms && ms < r.endMs);

  const viewSpan = { from: base, to: base + DAY };
  const at = params.get('at') ? Date.parse(params.get('at')) : null;
  let cursorMs = at ?? null;

  const status = el('p', { class: 'note', id: 'timeline-status' }, runs.length ? 'Click or drag on the bar to play from that moment; scroll to zoom.' : 'Nothing recorded on this day.');
  const bar = el('div', { class: 'bar', id: 'timeline-bar', role: 'slider', 'aria-label': 'time of day', tabindex: 0 });
  const ticks = el('div', { class: 'ticks', id: 'timeline-ticks' });
  const strip = el('div', { class: 'filmstrip', id: 'timeline-strip' });
  const preview = el('div', { class: 'preview', id: 'timeline-preview', hidden: true }, el('img', { alt: '' }), el('span', {}));
  const video = el('video', { id: 'timeline-video', controls: true, playsinline: true, muted: true, hidden: true });
  video.muted = true;
  const zoomLabel = el('span', { class: 'zoom-label', id: 'timeline-zoom' });
  const player = new RecordingPlayer(video, camera, base, runs, (text) => (status.textContent = text));

  const frac = (ms) => (ms - viewSpan.from) / (viewSpan.to - viewSpan.from);
  const pct = (ms) => `${frac(ms) * 100}%`;
  const msAt = (clientX) => {
    const r = bar.getBoundingClientRect();
    return viewSpan.from + Math.min(1, Math.max(0, (clientX - r.left) / r.width)) * (viewSpan.to - viewSpan.from);
  };

  function render() {
    const { from, to } = viewSpan;
    const inView = (a, b) => b > from && a < to;
    const span = (a, b, cls, extra = {}) => el('div', { class: cls, style: { left: pct(Math.max(a, from)), width: `${(frac(Math.min(b, to)) - frac(Math.max(a, from))) * 100}%` }, ...extra });
    bar.replaceChildren(
      ...runs.filter((r) => inView(r.startMs, r.endMs)).map((r) => span(r.startMs, r.endMs, 'recorded')),
      ...t.gaps.map((g) => [Date.parse(g.start), Date.parse(g.end), g.reason]).filter(([a, b]) => inView(a, b)).map(([a, b, why]) => span(a, b, 'gap', { title: `gap: ${why}` })),
      ...events.filter((e) => e.startMs >= from && e.startMs < to).map((e) => el('div', {
        class: `marker label-${mainLabel(e.labels)}${e.reviewed ? ' reviewed' : ''}`, style: { left: pct(e.startMs) },
        title: `${fmtClock(e.startMs)} ${e.labels.join(', ')}`, 'data-start': e.start, 'data-id': e.id,
      })),
      el('div', { class: 'cursor', id: 'timeline-cursor', hidden: cursorMs === null || cursorMs < from || cursorMs > to, style: { left: pct(cursorMs ?? from) } }));
    const step = tickStep(to - from);
    const marks = [];
    for (let m = base + Math.ceil((from - base) / step) * step; m <= to; m += step) marks.push(m);
    const withSeconds = step < 60_000;
    ticks.replaceChildren(...marks.map((m) => el('span', { style: { left: pct(m) } },
      new Date(m).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) }))));
    const n = Math.max(4, Math.min(12, Math.floor(bar.clientWidth / 110) || 6));
    const slot = (to - from) / n;
    strip.replaceChildren(...Array.from({ length: n }, (_, i) => {
      const mid = Math.round((from + slot * (i + 0.5)) / 1000) * 1000;
      return recordedAt(mid)
        ? el('img', { class: 'thumb', src: withQuery(`/media/thumb/${encodeURIComponent(camera)}.jpg`, { at: mid, w: 160 }), alt: fmtClock(mid), title: fmtClock(mid), loading: 'lazy', 'data-at': mid, onclick: () => play(mid) })
        : el('div', { class: 'thumb empty' }, fmtClock(mid));
    }));
    zoomLabel.textContent = (to - from) >= DAY ? 'whole day' : (to - from) >= 3_600_000 ? `${(to - from) / 3_600_000} h` : `${(to - from) / 60_000} min`;
  }

  /** Sets the visible span to `span` ms around `centre` (within the day) and redraws. */
  function zoomTo(span, centre) {
    span = Math.min(DAY, Math.max(SPANS[SPANS.length - 1], span));
    let from = centre - span / 2;
    from = Math.min(base + DAY - span, Math.max(base, from));
    viewSpan.from = from;
    viewSpan.to = from + span;
    render();
  }
  function zoom(dir, centre = cursorMs ?? (viewSpan.from + viewSpan.to) / 2) {
    const span = viewSpan.to - viewSpan.from;
    const i = SPANS.findIndex((s) => s <= span + 1);
    const next = SPANS[Math.min(SPANS.length - 1, Math.max(0, (i === -1 ? SPANS.length - 1 : i) + dir))];
    zoomTo(next, centre);
  }

  function moveCursor(ms) {
    cursorMs = ms;
    const c = document.getElementById('timeline-cursor');
    if (!c) return;
    c.hidden = ms < viewSpan.from || ms > viewSpan.to;
    c.style.left = pct(ms);
  }

  async function play(ms) {
    moveCursor(ms);
    if (ms < viewSpan.from || ms > viewSpan.to) zoomTo(viewSpan.to - viewSpan.from, ms);
    status.textContent = `Playing ${camera} from ${fmtClock(ms)}`;
    video.hidden = false;
    await player.seek(ms);
  }

  video.addEventListener('timeupdate', () => {
    if ((video.paused && video.readyState < 2) || player.target !== null) return; // (a seek in progress: its status stays)
    const ms = player.wall();
    moveCursor(ms);
    if (ms > viewSpan.to) zoomTo(viewSpan.to - viewSpan.from, ms + (viewSpan.to - viewSpan.from) * 0.4);
    status.textContent = `${camera} · ${fmtClock(ms)}`;
  });

  function showPreview(ms, clientX) {
    const img = preview.querySelector('img');
    const label = preview.querySelector('span');
    const quantum = Math.max(1000, Math.round((viewSpan.to - viewSpan.from) / 300 / 1000) * 1000);
    const q = Math.round(ms / quantum) * quantum;
    label.textContent = fmtClock(ms);
    img.hidden = !recordedAt(q);
    const src = withQuery(`/media/thumb/${encodeURIComponent(camera)}.jpg`, { at: q, w: 160 });
    if (!img.hidden && img.dataset.src !== src) {
      img.dataset.src = src;
      img.src = src;
    }
    const r = bar.getBoundingClientRect();
    preview.hidden = false;
    preview.style.left = `${Math.min(r.width - 84, Math.max(0, clientX - r.left - 80))}px`;
  }

  // Pointer: hover shows the thumbnail of that moment; press and drag scrubs; release (or a click) plays from there.
  let dragging = false;
  bar.addEventListener('pointermove', (ev) => {
    const ms = msAt(ev.clientX);
    showPreview(ms, ev.clientX);
    if (dragging) moveCursor(ms);
  });
  bar.addEventListener('pointerleave', () => !dragging && (preview.hidden = true));
  bar.addEventListener('pointerdown', (ev) => {
    dragging = true;
    bar.setPointerCapture(ev.pointerId);
    moveCursor(msAt(ev.clientX));
    showPreview(cursorMs, ev.clientX);
  });
  bar.addEventListener('pointerup', (ev) => {
    if (!dragging) return;
    dragging = false;
    preview.hidden = true;
    const onEvent = ev.target.dataset?.start;
    void play(onEvent ? Date.parse(onEvent) - 3000 : msAt(ev.clientX));
  });
  bar.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) zoomTo(viewSpan.to - viewSpan.from, (viewSpan.from + viewSpan.to) / 2 + (ev.deltaX / bar.clientWidth) * (viewSpan.to - viewSpan.from));
    else zoom(ev.deltaY < 0 ? 1 : -1, msAt(ev.clientX));
  }, { passive: false });

  // Keys move from where playback is going: a second P pressed while the first jump loads goes one event further back.
  const current = () => (video.hidden ? cursorMs ?? viewSpan.from : player.position());
  function jumpEvent(dir) {
    const now = current();
    const e = dir > 0 ? events.find((x) => x.startMs - 3000 > now + 500) : [...events].reverse().find((x) => x.startMs - 3000 < now - 1500);
    if (!e) {
      status.textContent = dir > 0 ? 'No later event on this day.' : 'No earlier event on this day.';
      return;
    }
    if (viewSpan.to - viewSpan.from > 3_600_000) zoomTo(3_600_000, e.startMs);
    void play(e.startMs - 3000);
  }
  const onKey = (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const k = ev.key;
    if (k === 'ArrowLeft' || k === 'ArrowRight') void play(current() + (k === 'ArrowLeft' ? -1 : 1) * (ev.shiftKey ? 60_000 : 10_000));
    else if (k === '+' || k === '=') zoom(1);
    else if (k === '-' || k === '_') zoom(-1);
    else if (k === 'n' || k === ']') jumpEvent(1);
    else if (k === 'p' || k === '[') jumpEvent(-1);
    else if (k === ' ' && !video.hidden) video.paused ? video.play().catch(() => {}) : video.pause();
    else return;
    ev.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  const onResize = () => render();
  window.addEventListener('resize', onResize);
  leaveTimeline = () => {
    document.removeEventListener('keydown', onKey);
    window.removeEventListener('resize', onResize);
    player.loading?.abort();
    video.removeAttribute('src');
    video.load();
  };

  const shiftDay = (n) => {
    const d = dayStart(day);
    d.setDate(d.getDate() + n);
    go({ day: localDay(d) });
  };
  const exportLink = capabilities.export
    ? el('a', { class: 'button', id: 'timeline-export', href: '#', onclick: (ev) => {
      ev.preventDefault();
      location.hash = `#/export?${new URLSearchParams({ camera, from: new Date(viewSpan.from).toISOString(), to: new Date(Math.min(viewSpan.to, Date.now())).toISOString() })}`;
    } }, 'Export this view…')
    : null;
  view.replaceChildren(
    el('div', { class: 'filters' },
      el('select', { id: 'timeline-camera', 'aria-label': 'camera', onchange: (ev) => go({ camera: ev.target.value }) },
        cameras.map((c) => el('option', { value: c.name, selected: c.name === camera }, c.name))),
      el('button', { type: 'button', 'aria-label': 'previous day', onclick: () => shiftDay(-1) }, '‹'),
      el('input', { id: 'timeline-day', type: 'date', value: day, 'aria-label': 'day', onchange: (ev) => go({ day: ev.target.value }) }),
      el('button', { type: 'button', 'aria-label': 'next day', onclick: () => shiftDay(1) }, '›'),
      el('button', { type: 'button', id: 'zoom-out', 'aria-label': 'zoom out', title: 'Zoom out (−)', onclick: () => zoom(-1) }, '−'),
      zoomLabel,
      el('button', { type: 'button', id: 'zoom-in', 'aria-label': 'zoom in', title: 'Zoom in (+)', onclick: () => zoom(1) }, '+'),
      el('button', { type: 'button', id: 'prev-event', title: 'Previous event (P)', onclick: () => jumpEvent(-1) }, '⏮ event'),
      el('button', { type: 'button', id: 'next-event', title: 'Next event (N)', onclick: () => jumpEvent(1) }, 'event ⏭'),
      exportLink),
    el('section', { class: 'timeline' }, el('div', { class: 'bar-wrap' }, bar, preview), ticks, strip),
    el('div', { class: 'legend' }, ['person', 'vehicle', 'animal', 'motion'].map((l) => el('span', { class: `legend-item label-${l}` }, l)), el('span', { class: 'legend-item gap' }, 'gap')),
    status, video);
  render();
  if (at !== null) void play(at);
}
