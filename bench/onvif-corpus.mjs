// Replay of the ONVIF corpus (test/fixtures/onvif/: messages real cameras sent, with their public sources) through
// the real `onvif` parser, cctv's normaliser and its event tracker (issue 13). Counts:
// - samples right: every message gives the expected label changes;
// - start/stop right: of the messages that should start, update or end an event (or be an instant), those whose
//   records from the tracker are the expected ones;
// - non-events ignored: of the messages that must change nothing (I/O, PTZ, counters, Initialized pulses …), those
//   that start nothing.
//
//   npm run build && node bench/onvif-corpus.mjs [--dist DIR] [--label after] [--out bench/results/onvif-corpus.json]
//
// --dist points at another build (e.g. main's dist/, to measure "before"); results are merged into the JSON by label.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCorpus, matches, parseWithOnvif } from '../test/helpers/onvif-device/fixtures.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: path.join(root, 'dist') },
    label: { type: 'string', default: 'after' },
    out: { type: 'string', default: path.join(root, 'bench/results/onvif-corpus.json') },
  },
});
const lib = (p) => import(pathToFileURL(path.join(path.resolve(values.dist), 'lib/events', p)).href);
const { EventTracker } = await lib('tracker.js');

// The normaliser of this build, or the 0.1 one (onvif-topics.js: normaliseEvent(topic, data), pulses sent as a
// true then a false observation, whatever the PropertyOperation).
let normaliseMessage;
if (existsSync(path.join(values.dist, 'lib/events/onvif/normalise.js'))) {
  const { parseNotification } = await lib('onvif/message.js');
  const { normalise } = await lib('onvif/normalise.js');
  normaliseMessage = (raw) => {
    const n = parseNotification(raw);
    return { changes: n ? normalise(n).changes : [], initialized: n?.propertyOperation === 'Initialized', topic: n?.topic ?? '' };
  };
} else {
  const { parseNotification, normaliseEvent } = await lib('onvif-topics.js');
  normaliseMessage = (raw) => {
    const n = parseNotification(raw);
    const r = n ? normaliseEvent(n.topic, n.data) : null;
    return { changes: r ? [r] : [], initialized: n?.propertyOperation === 'Initialized', topic: n?.topic ?? '' };
  };
}

// This build's tracker handles pulses itself (0.2); the 0.1 one needs the double observation.
const supportsPulse = readFileSync(path.join(values.dist, 'lib/events/tracker.js'), 'utf8').includes('obs.pulse');

/** Records (state + labels) each message causes, fed in order one second apart, ticking past the merge gap. */
function recordsPerMessage(steps) {
  const tracker = new EventTracker({ camera: 'bench', maxEventMs: 3_600_000, mergeGapMs: 500 });
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  return steps.map(({ changes, initialized, topic }, i) => {
    const at = new Date(t0 + i * 1000);
    const out = [];
    for (const c of changes) {
      const obs = { camera: 'bench', label: c.label, active: c.active, at, initialized, topic };
      if (c.pulse && !supportsPulse) out.push(...tracker.observe(obs), ...tracker.observe({ ...obs, active: false }));
      else out.push(...tracker.observe(c.pulse ? { ...obs, pulse: true } : obs));
    }
    out.push(...tracker.tick(new Date(at.getTime() + 900)));
    return out.map((r) => `${r.state} ${r.labels.join('+')}`).join(', ');
  });
}

const expectedChanges = (tokens) =>
  tokens.map((t) => ({ label: t.slice(0, -1), active: !t.endsWith('-'), ...(t.endsWith('!') ? { pulse: true } : {}) }));

const totals = { messages: 0, samplesRight: 0, events: 0, eventsRight: 0, nonEvents: 0, nonEventsIgnored: 0 };
const byVendor = {};
const failures = [];
for (const file of loadCorpus()) {
  const parsed = parseWithOnvif(file.messages.map((m) => m.xml));
  const got = parsed.map(normaliseMessage);
  const want = got.map((g, i) => ({ ...g, changes: expectedChanges(file.messages[i].expect) }));
  const gotRecords = recordsPerMessage(got);
  const wantRecords = recordsPerMessage(want);
  const v = (byVendor[file.vendor] ??= { messages: 0, samplesRight: 0, events: 0, eventsRight: 0, nonEvents: 0, nonEventsIgnored: 0 });
  file.messages.forEach((m, i) => {
    const right = matches(m.expect, got[i].changes);
    const isEvent = wantRecords[i] !== '' || m.expect.some((t) => !t.endsWith('-'));
    const isNon = m.expect.length === 0;
    for (const acc of [totals, v]) {
      acc.messages++;
      if (right) acc.samplesRight++;
      if (isEvent) acc.events++;
      if (isEvent && gotRecords[i] === wantRecords[i]) acc.eventsRight++;
      if (isNon) acc.nonEvents++;
      if (isNon && !got[i].changes.some((c) => c.active)) acc.nonEventsIgnored++;
    }
    if (!right || (isEvent && gotRecords[i] !== wantRecords[i])) failures.push(`${file.file}#${i + 1}: want ${m.expect.join(' ') || 'none'} [${wantRecords[i]}], got [${gotRecords[i]}]`);
  });
}

const result = { measuredAt: new Date().toISOString(), dist: path.relative(root, path.resolve(values.dist)) || values.dist, ...totals, byVendor, failures };
const prior = existsSync(values.out) ? JSON.parse(readFileSync(values.out, 'utf8')) : {};
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify({ ...prior, [values.label]: result }, null, 2)}\n`);
console.log(
  `${values.label}: samples right ${totals.samplesRight}/${totals.messages}, start/stop right ${totals.eventsRight}/${totals.events}, ` +
    `non-events ignored ${totals.nonEventsIgnored}/${totals.nonEvents}`,
);
for (const f of failures) console.log(`  ${f}`);
