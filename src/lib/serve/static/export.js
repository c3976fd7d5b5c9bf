// Export (#/export?camera&from&to): a time range of one or more cameras as a zip of one MP4 per camera (video
// copied), manifest.json and SHA256SUMS (`sha256sum -c SHA256SUMS` verifies the files). The range is checked first
// (/api/export says what is recorded in it); the download is a plain link, so the browser streams it to disk.
import { api, el, fmtClock, localInput, withQuery } from './dom.js';

export async function exportView(view, params, { cameras }) {
  const now = Date.now();
  const fromMs = params.get('from') ? Date.parse(params.get('from')) : now - 3_600_000;
  const toMs = params.get('to') ? Date.parse(params.get('to')) : now;
  const chosen = new Set(params.getAll('camera'));
  if (!chosen.size && cameras[0]) chosen.add(cameras[0].name);
  const boxes = cameras.map((c) => el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'camera', value: c.name, checked: chosen.has(c.name) }), ` ${c.name}`));
  const from = el('input', { id: 'export-from', type: 'datetime-local', step: 1, value: localInput(fromMs), 'aria-label': 'from' });
  const to = el('input', { id: 'export-to', type: 'datetime-local', step: 1, value: localInput(toMs), 'aria-label': 'to' });
  const summary = el('div', { id: 'export-summary', class: 'note' });
  const download = el('a', { id: 'export-download', class: 'button', hidden: true, download: '' }, 'Download zip');
  const query = () => ({
    camera: boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
    from: new Date(from.value).toISOString(), to: new Date(to.value).toISOString(),
  });
  async function check() {
    download.hidden = true;
    summary.textContent = 'Checking…';
    try {
      const q = query();
      const plan = await api('/api/export', q);
      summary.replaceChildren(
        el('ul', {}, plan.cameras.map((c) => el('li', {}, `${c.file}: ${Math.round(c.recordedSeconds / 60 * 10) / 10} min recorded`,
          c.gaps.length ? `, ${c.gaps.length} gap(s) (${c.gaps.map((g) => `${fmtClock(Date.parse(g.start))}–${fmtClock(Date.parse(g.end))}`).join(', ')}) joined and listed in the manifest` : ''))),
        plan.empty.length ? el('p', {}, `Nothing recorded on ${plan.empty.join(', ')} in this range.`) : '',
        el('p', {}, 'The zip holds one MP4 per camera (video as recorded, not re-encoded), manifest.json and SHA256SUMS; check the files with `sha256sum -c SHA256SUMS`.'));
      download.href = withQuery('/media/export.zip', q);
      download.hidden = false;
    } catch (err) {
      summary.textContent = err.message;
    }
  }
  view.replaceChildren(
    el('h2', {}, 'Export'),
    el('div', { class: 'filters' }, boxes),
    el('div', { class: 'filters' }, el('label', {}, 'From ', from), el('label', {}, 'To ', to),
      el('button', { type: 'button', id: 'export-check', onclick: check }, 'Check range')),
    summary, download);
  if (params.get('from')) await check();
}
