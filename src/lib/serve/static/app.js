// The cctv web app: plain JavaScript, no dependencies, talks to the JSON API of the same origin.
// Views (hash routes): #/events, #/people (person-only events), #/timeline, #/live.
'use strict';

const view = document.getElementById('view');
const player = document.getElementById('player');
const video = document.getElementById('player-video');

/** Builds an element: el('div', { class: 'x', style: { left: '5%' }, onclick }, child, 'text'). Text is always set as text, never as HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'style') Object.assign(node.style, v); // CSSOM: the CSP forbids inline style attributes
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function api(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, site })) for (const one of [].concat(v)) if (one !== '' && one !== undefined) q.append(k, one);
  const res = await fetch(`${path}${q.size ? `?${q}` : ''}`, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) toSignIn(body.signIn);
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

// ---- the hosted app (issue 15): /api/config names the viewer's sites and what this host cannot do -------------------

/** The site whose events are shown (hosted app); '' on premise. */
let site = '';
/** Capabilities of this host: the hosted app has no live view or continuous timeline (null: all, on premise). */
let capabilities = null;
/** How long the app's presigned media URLs live. */
let mediaUrlSeconds = 300;
const hostReady = fetch('/api/config', { headers: { accept: 'application/json' } })
  .then((res) => (res.ok ? res.json() : null))
  .then((config) => {
    if (!config || !Array.isArray(config.sites)) return; // on premise
    capabilities = config.capabilities;
    mediaUrlSeconds = config.mediaUrlSeconds || mediaUrlSeconds;
    for (const a of document.querySelectorAll('nav a')) if (capabilities[a.dataset.view] === false) a.hidden = true;
    const saved = localStorage.getItem('cctv-site');
    site = config.sites.includes(saved) ? saved : config.sites[0] || '';
    const picker = el('select', { id: 'site', 'aria-label': 'site', onchange: (ev) => {
      site = ev.target.value;
      localStorage.setItem('cctv-site', site);
      route();
    } }, config.sites.map((s) => el('option', { value: s, selected: s === site }, s)));
    picker.hidden = config.sites.length < 2;
    document.querySelector('nav').after(picker);
    if (!config.sites.length) view.replaceChildren(el('p', { class: 'empty' }, 'No site is shared with you yet: ask the owner to add you to a site\'s group.'));
  }, () => {});

const fmtTime = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
const fmtClock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const fmtDuration = (s) => (s === null ? 'ongoing' : s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);
const localDay = (d = new Date()) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const dayStart = (day) => new Date(`${day}T00:00:00`);

let cameras = [];
async function loadCameras() {
  if (capabilities) return cameras; // the hosted app knows events, not the house's cameras
  cameras = (await api('/api/cameras')).cameras;
  return cameras;
}

let playing = null;
function play(src, title, download) {
  document.getElementById('player-title').textContent = title;
  const link = document.getElementById('player-download');
  link.hidden = !download;
  if (download) link.href = download;
  playing = { src, askedMs: Date.now() };
  video.src = src;
  if (!player.open) player.showModal();
  video.play().catch(() => {});
}
// A stored clip plays from a short-lived presigned URL (the app redirects to it; Chromium then keeps asking that URL,
// and an expired one fails without an error event for a long while): a seek or a stall after most of its life asks the
// app for a new one and carries on from the same moment.
function askAgainIfStale() {
  if (!playing || Date.now() - playing.askedMs < mediaUrlSeconds * 800) return;
  const at = video.currentTime;
  const paused = video.paused;
  playing.askedMs = Date.now();
  video.src = playing.src;
  video.addEventListener('loadedmetadata', () => {
    video.currentTime = at;
    if (!paused) video.play().catch(() => {});
  }, { once: true });
}
for (const name of ['seeking', 'waiting', 'error']) video.addEventListener(name, askAgainIfStale);
function closePlayer() {
  playing = null;
  video.pause();
  video.removeAttribute('src');
  video.load();
  if (player.open) player.close();
}
document.getElementById('player-close').addEventListener('click', closePlayer);
player.addEventListener('close', closePlayer);

// ---- events -------------------------------------------------------------------------------------------------

function eventCard(e) {
  const chips = e.labels.map((l) => l.confidence === null
    ? el('span', { class: `chip source ${l.name}` }, l.name)
    : el('span', { class: `chip ${l.name}` }, `${l.name} ${Math.round(l.confidence * 100)}%`));
  const open = () => e.clip && play(e.clip, `${e.camera} · ${fmtTime(e.start)}`, `${e.clip}${e.clip.includes('?') ? '&' : '?'}download=1`);
  return el('article', { class: 'event-card', tabindex: 0, 'data-id': e.id || e.clip, onclick: open, onkeydown: (ev) => ev.key === 'Enter' && open() },
    el('div', { class: 'thumb' }, e.poster ? el('img', { class: 'poster', src: e.poster, alt: `${e.camera} event`, loading: 'lazy' }) : e.clip ? 'no poster' : 'not stored yet'),
    el('div', { class: 'meta' },
      el('div', { class: 'when' }, fmtTime(e.start)),
      el('div', { class: 'sub' }, `${e.camera} · ${fmtDuration(e.durationSeconds)}`),
      el('div', { class: 'chips' }, chips)));
}

async function eventsView(params, personOnly) {
  await loadCameras();
  const state = { camera: params.get('camera') || '', label: personOnly ? 'person' : params.get('label') || '', day: params.get('day') || '' };
  const setParam = (k, v) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v); else p.delete(k);
    location.hash = `#/${personOnly ? 'people' : 'events'}${p.size ? `?${p}` : ''}`;
  };
  const filters = el('div', { class: 'filters' },
    el('select', { id: 'filter-camera', 'aria-label': 'camera', onchange: (ev) => setParam('camera', ev.target.value) },
      el('option', { value: '' }, 'All cameras'),
      cameras.map((c) => el('option', { value: c.name, selected: c.name === state.camera }, c.name))),
    personOnly ? null : el('select', { id: 'filter-label', 'aria-label': 'label', onchange: (ev) => setParam('label', ev.target.value) },
      ['', 'person', 'vehicle', 'car', 'animal', 'dog', 'cat', 'motion'].map((l) => el('option', { value: l, selected: l === state.label }, l || 'All labels'))),
    el('input', { id: 'filter-day', type: 'date', 'aria-label': 'day', value: state.day, onchange: (ev) => setParam('day', ev.target.value) }));
  const grid = el('div', { class: 'grid', id: 'events' });
  const more = el('button', { class: 'more', type: 'button', hidden: true }, 'Load more');
  view.replaceChildren(filters, grid, more);

  let next = null;
  let loading = false;
  async function page() {
    if (loading) return;
    loading = true;
    try {
      const since = state.day ? dayStart(state.day) : null;
      const res = await api('/api/events', {
        camera: state.camera, label: state.label, limit: 48, before: next || '',
        since: since ? since.toISOString() : '', until: since ? new Date(since.getTime() + 86400000).toISOString() : '',
      });
      grid.append(...res.events.map(eventCard));
      if (!grid.children.length) grid.replaceWith(el('p', { class: 'empty' }, 'No events match.'));
      next = res.next;
      more.hidden = !next;
    } finally {
      loading = false;
    }
  }
  more.addEventListener('click', page);
  new IntersectionObserver((entries) => entries.some((x) => x.isIntersecting) && next && page()).observe(more);
  await page();
}

// ---- timeline -----------------------------------------------------------------------------------------------

async function timelineView(params) {
  await loadCameras();
  const camera = params.get('camera') || cameras[0]?.name;
  const day = params.get('day') || localDay();
  if (!camera) {
    view.replaceChildren(el('p', { class: 'empty' }, 'No cameras configured.'));
    return;
  }
  const go = (k, v) => {
    const p = new URLSearchParams({ camera, day });
    p.set(k, v);
    location.hash = `#/timeline?${p}`;
  };
  const from = dayStart(day).getTime();
  const to = from + 86400000;
  const t = await api('/api/timeline', { camera, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const pct = (iso) => `${((Date.parse(iso) - from) / (to - from)) * 100}%`;
  const width = (a, b) => `${((Date.parse(b) - Date.parse(a)) / (to - from)) * 100}%`;
  const cursor = el('div', { class: 'cursor', hidden: true });
  const status = el('p', { class: 'note', id: 'timeline-status' }, t.recorded.length ? 'Click the bar to play from that moment.' : 'Nothing recorded on this day.');
  const bar = el('div', { class: 'bar', id: 'timeline-bar', role: 'slider', 'aria-label': 'time of day', tabindex: 0 },
    t.recorded.map((r) => el('div', { class: 'recorded', style: { left: pct(r.start), width: width(r.start, r.end) }, title: `${fmtClock(Date.parse(r.start))} – ${fmtClock(Date.parse(r.end))}` })),
    t.gaps.map((g) => el('div', { class: 'gap', style: { left: pct(g.start), width: width(g.start, g.end) }, title: `gap: ${g.reason}` })),
    t.events.map((e) => el('div', { class: `marker ${e.labels.includes('person') ? 'person' : ''}`, style: { left: pct(e.start) }, title: `${fmtClock(Date.parse(e.start))} ${e.labels.join(', ')}`, 'data-start': e.start })),
    cursor);
  const timelineVideo = el('video', { id: 'timeline-video', controls: true, playsinline: true, muted: true, hidden: true });
  bar.addEventListener('click', (ev) => {
    const rect = bar.getBoundingClientRect();
    const at = from + ((ev.clientX - rect.left) / rect.width) * (to - from);
    const onEvent = ev.target.dataset?.start;
    const moment = onEvent ? Date.parse(onEvent) - 5000 : at;
    cursor.hidden = false;
    cursor.style.left = `${((moment - from) / (to - from)) * 100}%`;
    status.textContent = `Playing ${camera} from ${fmtClock(moment)}`;
    timelineVideo.hidden = false;
    timelineVideo.src = `/media/recording/${encodeURIComponent(camera)}.mp4?at=${new Date(moment).toISOString()}`;
    timelineVideo.play().catch(() => {});
  });
  timelineVideo.addEventListener('error', () => (status.textContent = 'Nothing recorded at that moment.'));
  view.replaceChildren(
    el('div', { class: 'filters' },
      el('select', { id: 'timeline-camera', 'aria-label': 'camera', onchange: (ev) => go('camera', ev.target.value) },
        cameras.map((c) => el('option', { value: c.name, selected: c.name === camera }, c.name))),
      el('input', { id: 'timeline-day', type: 'date', value: day, 'aria-label': 'day', onchange: (ev) => go('day', ev.target.value) })),
    el('section', { class: 'timeline' }, bar, el('div', { class: 'hours' }, ['0h', '6h', '12h', '18h', '24h'].map((h) => el('span', {}, h)))),
    status, timelineVideo);
}

// ---- live ---------------------------------------------------------------------------------------------------

let liveTimer = null;
async function liveView() {
  const grid = el('div', { class: 'grid', id: 'live' });
  view.replaceChildren(grid);
  const cards = new Map();
  async function refresh() {
    for (const c of await loadCameras()) {
      let card = cards.get(c.name);
      if (!card) {
        card = { img: el('img', { alt: `${c.name} latest frame` }), meta: el('div', { class: 'meta' }) };
        cards.set(c.name, card);
        grid.append(el('article', { class: 'live-card', 'data-camera': c.name }, card.img, card.meta));
      }
      card.img.src = `${c.latest}?t=${Date.now()}`;
      card.meta.replaceChildren(
        el('strong', {}, c.name), ' ',
        el('span', { class: `badge ${c.recording ? 'ok' : ''}` }, c.recording ? 'recording' : 'not recording'),
        el('div', { class: 'sub' }, c.lastSegment ? `last segment until ${fmtTime(c.lastSegment.end)}` : 'no recording yet'),
        el('div', { class: 'sub' }, `${c.gaps24h.length} gap(s) in 24 h${c.gaps24h.length ? `, last: ${c.gaps24h[c.gaps24h.length - 1].reason}` : ''}`));
    }
  }
  await refresh();
  liveTimer = setInterval(() => refresh().catch(() => {}), 3000);
}

// ---- router -------------------------------------------------------------------------------------------------

async function route() {
  clearInterval(liveTimer);
  await hostReady;
  const [path, query] = location.hash.slice(1).split('?');
  let name = (path || '/events').replace(/^\//, '') || 'events';
  if (capabilities && capabilities[name] === false) name = 'events';
  const params = new URLSearchParams(query || '');
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === name);
  try {
    if (name === 'timeline') await timelineView(params);
    else if (name === 'live') await liveView();
    else await eventsView(params, name === 'people');
  } catch (err) {
    view.replaceChildren(el('p', { class: 'empty' }, `Error: ${err.message}`));
  }
}
window.addEventListener('hashchange', route);
route();

// ---- who is signed in (auth/local.ts) -------------------------------------------------------------------------

/** The session ended (signed out elsewhere, expired): sign in again (where the app's 401 says), then come back here. */
function toSignIn(where = '/sign-in') {
  location.assign(`${where}?next=${encodeURIComponent(location.pathname + location.hash)}`);
}

fetch('/auth/session', { headers: { accept: 'application/json' } })
  .then((res) => (res.ok ? res.json() : null))
  .then((who) => {
    if (!who || !who.signIn) return; // sign-in is off: nobody to show, nothing to sign out of
    document.getElementById('who-name').textContent = `${who.name} (${who.role})`;
    document.getElementById('who').hidden = false;
  }, () => {});
document.getElementById('sign-out').addEventListener('click', async () => {
  // The hosted app is behind CloudFront's Origin Access Control, which needs a POST body's sha256 (here: of nothing).
  const res = await fetch('/auth/sign-out', {
    method: 'POST', headers: { accept: 'application/json', 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  }).catch(() => null);
  const next = res && res.ok ? (await res.json()).next : '/sign-in';
  location.replace(next || '/sign-in');
});
