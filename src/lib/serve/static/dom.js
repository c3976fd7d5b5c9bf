// Small shared pieces of the web app: building elements, talking to the JSON API, formatting times, label colours.

/** Builds an element: el('div', { class: 'x', style: { left: '5%' }, onclick }, child, 'text'). Text is always set as text, never as HTML. */
export function el(tag, attrs = {}, ...children) {
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

/**
 * What the host said in /api/config beyond capabilities (the hosted app, issue 15): the site whose events are shown
 * ('' on premise; every API call names it as `?site=`) and how long its presigned media URLs live.
 */
export const host = { site: '', mediaUrlSeconds: 300 };

/** `path?params` (arrays repeat the key; empty values are left out). */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [].concat(v)) if (one !== '' && one !== undefined && one !== null) q.append(k, one);
  return `${path}${q.size ? `?${q}` : ''}`;
}

/** The session ended (signed out elsewhere, expired): sign in again (where the app's 401 says), then come back here. */
export function toSignIn(where = '/sign-in') {
  location.assign(`${where}?next=${encodeURIComponent(location.pathname + location.hash)}`);
}

async function answer(res) {
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) toSignIn(body.signIn);
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

/** GET a JSON API route (in the hosted app, of the site picked). */
export async function api(path, params = {}) {
  return answer(await fetch(withQuery(path, { ...params, site: host.site }), { headers: { accept: 'application/json' } }));
}

/** POST JSON to an API route (same origin: the browser sends Origin, which the server checks). */
export async function post(path, body) {
  return answer(await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }));
}

export const fmtTime = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
export const fmtClock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
export const fmtDuration = (s) => (s === null ? 'ongoing' : s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);
export const localDay = (d = new Date()) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
export const dayStart = (day) => new Date(`${day}T00:00:00`);
/** A `datetime-local` input's value for `ms` (local time, to the second). */
export const localInput = (ms) => {
  const d = new Date(ms);
  return `${localDay(d)}T${d.toTimeString().slice(0, 8)}`;
};

/** The label a marker or chip is coloured by: the most specific one an event carries. */
const LABEL_ORDER = ['person', 'face', 'vehicle', 'animal', 'package', 'visitor', 'intrusion', 'line-crossing', 'tamper', 'motion'];
const FAMILY = { car: 'vehicle', truck: 'vehicle', bus: 'vehicle', bicycle: 'vehicle', motorcycle: 'vehicle', dog: 'animal', cat: 'animal', bird: 'animal' };
export const mainLabel = (labels) => {
  const names = labels.map((l) => FAMILY[l] ?? l);
  return LABEL_ORDER.find((l) => names.includes(l)) ?? names[0] ?? 'motion';
};
