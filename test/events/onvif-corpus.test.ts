import { describe, expect, it } from 'vitest';
import { loadCorpus, matches, parseWithOnvif, tokens } from '../helpers/onvif-device/fixtures.mjs';
import { parseNotification } from '../../src/lib/events/onvif/message.js';
import { normalise } from '../../src/lib/events/onvif/normalise.js';
import { EventTracker } from '../../src/lib/events/tracker.js';

/**
 * Every message of test/fixtures/onvif/ (what real cameras sent, with its public source) through the `onvif` lib's
 * own SOAP parser and cctv's normaliser. The README lists these vendors and topics.
 */
const corpus = loadCorpus();
const cases = corpus.flatMap((f) => f.messages.map((m, i) => [`${f.file}#${i + 1} (${f.kind})`, f, i] as const));

describe('ONVIF corpus: real cameras\' messages through the onvif parser and the normaliser', () => {
  it.each(cases)('%s', (_name, file, i) => {
    const raw = parseWithOnvif(file.messages.map((m) => m.xml))[i];
    const n = parseNotification(raw)!;
    expect(n.topic).toMatch(/\//);
    const got = normalise(n).changes;
    expect(matches(file.messages[i]!.expect, got), `expected ${file.messages[i]!.expect.join(' ') || 'none'}, got ${tokens(got).join(' ') || 'none'}`).toBe(true);
  });

  it('covers the vendors people own, and says which are only reconstructed', () => {
    const kinds = new Map<string, Set<string>>();
    for (const f of corpus) kinds.set(f.vendor, (kinds.get(f.vendor) ?? new Set()).add(f.kind));
    expect([...kinds.keys()].sort()).toEqual(
      ['ajax', 'avigilon', 'axis', 'bosch', 'dahua', 'foscam', 'hanwha', 'hikvision', 'reolink', 'tapo', 'uniview', 'vigi'],
    );
    const real = [...kinds].filter(([, k]) => k.has('verbatim') || k.has('transcribed')).map(([v]) => v).sort();
    expect(real).toEqual(['ajax', 'avigilon', 'axis', 'bosch', 'hanwha', 'hikvision', 'reolink', 'tapo', 'uniview']);
  });

  it('a whole capture through the tracker: Axis VMD4 profiles and Object Analytics give one event per burst', () => {
    const axis = corpus.find((f) => f.file === 'axis/kane610-axis-event-fixtures.xml')!;
    const tracker = new EventTracker({ camera: 'axis', maxEventMs: 3_600_000, mergeGapMs: 500 });
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    const out: string[] = [];
    parseWithOnvif(axis.messages.map((m) => m.xml)).forEach((raw, i) => {
      const n = parseNotification(raw)!;
      const at = new Date(t0 + i * 100);
      for (const c of normalise(n).changes) {
        const obs = { camera: 'axis', label: c.label, active: c.active, at, initialized: n.propertyOperation === 'Initialized', topic: n.topic };
        out.push(...tracker.observe(c.pulse ? { ...obs, pulse: true } : obs).map((r) => `${r.state} ${r.labels.join('+')}`));
      }
    });
    // Object Analytics sees a human, the PIR fires, then the VMD4 profiles: one event, labels accumulate.
    expect(out).toEqual(['start person', 'update person+motion']);
  });
});
