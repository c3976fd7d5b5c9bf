// The cctv web app: plain JavaScript modules, no dependencies, talking to the JSON API of the same origin. It asks
// /api/config what this host can do (live, timeline, export, review) and hides the rest, so the same UI serves the
// on-premise server and the hosted app. Views (hash routes): #/live, #/timeline, #/events, #/people, #/export.
import { api, el, host } from './dom.js';
import { eventsView } from './events.js';
import { exportView } from './export.js';
import { leaveLive, liveView } from './live.js';
import { stopTimeline, timelineView } from './timeline.js';

const view = document.getElementById('view');
let config = null;

async function route() {
  leaveLive();
  stopTimeline();
  const [path, query] = location.hash.slice(1).split('?');
  let name = (path || '/events').replace(/^\//, '') || 'events';
  const params = new URLSearchParams(query || '');
  try {
    config ??= hosted(await api('/api/config'));
    const can = config.capabilities;
    for (const a of document.querySelectorAll('nav a')) {
      a.hidden = !!a.dataset.needs && !can[a.dataset.needs];
      a.classList.toggle('active', a.dataset.view === name);
    }
    if (!can[name] && ['live', 'timeline', 'export'].includes(name)) name = 'events';
    const ctx = { cameras: config.cameras, capabilities: can };
    if (name === 'timeline') await timelineView(view, params, ctx);
    else if (name === 'live') await liveView(view, ctx);
    else if (name === 'export') await exportView(view, params, ctx);
    else await eventsView(view, params, { ...ctx, personOnly: name === 'people' });
  } catch (err) {
    view.replaceChildren(el('p', { class: 'empty' }, `Error: ${err.message}`));
  }
}
window.addEventListener('hashchange', route);

/**
 * The hosted app (issue 15) names the viewer's sites: a picker (shown with two or more), the choice remembered. On
 * premise the page names the installation's site (config `site`), when it has one.
 */
function hosted(config) {
  if (!Array.isArray(config.sites)) { // on premise
    if (config.site) {
      document.querySelector('nav').after(el('span', { id: 'site', class: 'site' }, config.site));
      document.title = `cctv · ${config.site}`;
    }
    return config;
  }
  if (!config.sites.length) throw new Error('no site is shared with you yet: ask the owner to add you to a site\'s group.');
  host.mediaUrlSeconds = config.mediaUrlSeconds || host.mediaUrlSeconds;
  const saved = localStorage.getItem('cctv-site');
  host.site = config.sites.includes(saved) ? saved : config.sites[0] || '';
  const picker = el('select', { id: 'site', 'aria-label': 'site', onchange: (ev) => {
    host.site = ev.target.value;
    localStorage.setItem('cctv-site', host.site);
    route();
  } }, config.sites.map((s) => el('option', { value: s, selected: s === host.site }, s)));
  picker.hidden = config.sites.length < 2;
  document.querySelector('nav').after(picker);
  return config;
}
route();

// Who is signed in (auth/local.ts): shown with a sign-out button; nothing when sign-in is off.
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
