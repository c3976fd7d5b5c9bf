// The events grid (#/events, #/people): newest first with posters and labels, filters, paging as you scroll, the
// clip player, and review marks (per user: a tick on each card, "unreviewed only", opening a clip marks it).
import { api, el, fmtDuration, fmtTime, host, post } from './dom.js';

const player = document.getElementById('player');
const video = document.getElementById('player-video');

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
function closePlayer() {
  playing = null;
  video.pause();
  video.removeAttribute('src');
  video.load();
  if (player.open) player.close();
}
// A stored clip plays from a short-lived presigned URL (the app redirects to it; Chromium then keeps asking that URL,
// and an expired one fails without an error event for a long while): a seek or a stall after most of its life asks the
// app for a new one and carries on from the same moment.
function askAgainIfStale() {
  if (!playing || Date.now() - playing.askedMs < host.mediaUrlSeconds * 800) return;
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
document.getElementById('player-close').addEventListener('click', closePlayer);
player.addEventListener('close', closePlayer);

/** Marks `items` reviewed (or not) and updates their cards. */
async function mark(items, reviewed) {
  await post('/api/reviews', { items, reviewed });
  for (const item of items) {
    for (const card of document.querySelectorAll(`.event-card[data-review="${CSS.escape(item)}"]`)) {
      card.classList.toggle('reviewed', reviewed);
      const box = card.querySelector('.review');
      if (box) {
        box.setAttribute('aria-pressed', String(reviewed));
        box.title = reviewed ? 'Reviewed (click to unmark)' : 'Mark reviewed';
      }
    }
  }
}

function eventCard(e, canReview) {
  const chips = e.labels.map((l) => l.confidence === null
    ? el('span', { class: `chip source ${l.name}` }, l.name)
    : el('span', { class: `chip ${l.name}` }, `${l.name} ${Math.round(l.confidence * 100)}%`));
  const open = () => {
    if (!e.clip) return;
    play(e.clip, `${e.camera} · ${fmtTime(e.start)}`, `${e.clip}${e.clip.includes('?') ? '&' : '?'}download=1`);
    if (canReview && e.review && !card.classList.contains('reviewed')) mark([e.review], true).catch(() => {});
  };
  const review = canReview && e.review
    ? el('button', {
      class: 'review', type: 'button', 'aria-pressed': String(e.reviewed), 'aria-label': 'reviewed', title: e.reviewed ? 'Reviewed (click to unmark)' : 'Mark reviewed',
      onclick: (ev) => {
        ev.stopPropagation();
        mark([e.review], !card.classList.contains('reviewed')).catch((err) => alert(err.message));
      },
    }, '✓')
    : null;
  const card = el('article', {
    class: `event-card${e.reviewed ? ' reviewed' : ''}`, tabindex: 0, 'data-id': e.id || e.clip, 'data-review': e.review || '', onclick: open,
    onkeydown: (ev) => ev.key === 'Enter' && open(),
  },
  el('div', { class: 'thumb' }, e.poster ? el('img', { class: 'poster', src: e.poster, alt: `${e.camera} event`, loading: 'lazy' }) : e.clip ? 'no poster' : 'not stored yet'),
  el('div', { class: 'meta' },
    el('div', { class: 'when' }, fmtTime(e.start), review),
    el('div', { class: 'sub' }, `${e.camera} · ${fmtDuration(e.durationSeconds)}`),
    el('div', { class: 'chips' }, chips)));
  return card;
}

export async function eventsView(view, params, { personOnly, cameras, capabilities }) {
  const canReview = capabilities.review;
  const state = {
    camera: params.get('camera') || '', label: personOnly ? 'person' : params.get('label') || '', day: params.get('day') || '',
    unreviewed: canReview && params.get('unreviewed') === '1',
  };
  const setParam = (k, v) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v); else p.delete(k);
    location.hash = `#/${personOnly ? 'people' : 'events'}${p.size ? `?${p}` : ''}`;
  };
  const grid = el('div', { class: 'grid', id: 'events' });
  const more = el('button', { class: 'more', type: 'button', hidden: true }, 'Load more');
  const filters = el('div', { class: 'filters' },
    el('select', { id: 'filter-camera', 'aria-label': 'camera', onchange: (ev) => setParam('camera', ev.target.value) },
      el('option', { value: '' }, 'All cameras'),
      cameras.map((c) => el('option', { value: c.name, selected: c.name === state.camera }, c.name))),
    personOnly ? null : el('select', { id: 'filter-label', 'aria-label': 'label', onchange: (ev) => setParam('label', ev.target.value) },
      ['', 'person', 'vehicle', 'car', 'animal', 'dog', 'cat', 'motion'].map((l) => el('option', { value: l, selected: l === state.label }, l || 'All labels'))),
    el('input', { id: 'filter-day', type: 'date', 'aria-label': 'day', value: state.day, onchange: (ev) => setParam('day', ev.target.value) }),
    canReview ? el('label', { class: 'check' },
      el('input', { id: 'filter-unreviewed', type: 'checkbox', checked: state.unreviewed, onchange: (ev) => setParam('unreviewed', ev.target.checked ? '1' : '') }),
      ' Unreviewed only') : null,
    canReview ? el('button', {
      id: 'mark-shown', type: 'button',
      onclick: () => {
        const items = [...grid.querySelectorAll('.event-card:not(.reviewed)')].map((c) => c.dataset.review).filter(Boolean);
        if (items.length) mark(items, true).catch((err) => alert(err.message));
      },
    }, 'Mark shown reviewed') : null);
  view.replaceChildren(filters, grid, more);

  let next = null;
  let loading = false;
  async function page() {
    if (loading) return;
    loading = true;
    try {
      const since = state.day ? new Date(`${state.day}T00:00:00`) : null;
      const res = await api('/api/events', {
        camera: state.camera, label: state.label, limit: 48, before: next || '', unreviewed: state.unreviewed ? '1' : '',
        since: since ? since.toISOString() : '', until: since ? new Date(since.getTime() + 86400000).toISOString() : '',
      });
      grid.append(...res.events.map((e) => eventCard(e, canReview)));
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
