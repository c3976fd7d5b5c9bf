// The cctv web app: plain JavaScript modules, no dependencies, talking to the JSON API of the same origin. It asks
// /api/config what this host can do (live, timeline, export, review) and hides the rest, so the same UI serves the
// on-premise server and the hosted app. Views (hash routes): #/live, #/timeline, #/events, #/people, #/export.
import { api, el } from './dom.js';
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
    config ??= await api('/api/config');
    const can = config.capabilities;
    for (const a of document.querySelectorAll('nav a')) {
      a.hidden = !!a.dataset.needs && !can[a.dataset.needs];
      a.classList.toggle('active', a.dataset.view === name);
    }
    document.getElementById('user').textContent = config.user.name === 'local' ? '' : config.user.name;
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
route();
