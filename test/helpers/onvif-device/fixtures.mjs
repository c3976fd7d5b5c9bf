// The corpus of ONVIF notifications real cameras sent (test/fixtures/onvif/<vendor>/*.xml), for tests and the bench.
// Each file: a header comment (source URL, kind: verbatim | transcribed | reconstructed, camera), then messages, each
// preceded by `<!-- expect: TOKENS -->`. Tokens: `label+` on, `label-` off, `label!` an instant (pulse), `none`.
// Messages are parsed by the `onvif` lib's own SOAP parser, wrapped in a PullMessagesResponse as a camera answers.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/onvif/', import.meta.url));
const require = createRequire(import.meta.url);
const { parseSOAPString, linerase } = require('onvif/lib/utils.js');

/** @returns {Array<{file: string, vendor: string, source: string, kind: string, camera: string, messages: Array<{expect: string[], xml: string}>}>} */
export function loadCorpus(dir = FIXTURES_DIR) {
  const out = [];
  for (const vendor of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const name of readdirSync(path.join(dir, vendor)).filter((f) => f.endsWith('.xml')).sort()) {
      const text = readFileSync(path.join(dir, vendor, name), 'utf8');
      const header = /^<!--([\s\S]*?)-->/.exec(text)?.[1] ?? '';
      const field = (k) => new RegExp(`^${k}:\\s*(.+)$`, 'm').exec(header)?.[1].trim() ?? '';
      const messages = [...text.matchAll(/<!--\s*expect:\s*([^>]*?)\s*-->\s*(<(?:\w+:)?NotificationMessage[\s\S]*?<\/(?:\w+:)?NotificationMessage>)/g)].map(
        (m) => ({ expect: m[1].split(/\s+/).filter((t) => t && t !== 'none'), xml: m[2] }),
      );
      if (!field('source').startsWith('https://')) throw new Error(`${vendor}/${name}: no source URL in the header`);
      if (!['verbatim', 'transcribed', 'reconstructed'].includes(field('kind'))) throw new Error(`${vendor}/${name}: kind must be verbatim, transcribed or reconstructed`);
      if (messages.length === 0) throw new Error(`${vendor}/${name}: no <!-- expect: --> message`);
      out.push({ file: `${vendor}/${name}`, vendor, source: field('source'), kind: field('kind'), camera: field('camera'), messages });
    }
  }
  return out;
}

const NS =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
  'xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:tns1="http://www.onvif.org/ver10/topics" xmlns:tnsaxis="http://www.axis.com/2009/event/topics"';

/** A PullMessagesResponse envelope carrying the messages verbatim. */
export function pullResponse(messages) {
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NS}><s:Body><tev:PullMessagesResponse><tev:CurrentTime>2024-01-01T00:00:00Z</tev:CurrentTime><tev:TerminationTime>2024-01-01T00:01:00Z</tev:TerminationTime>${messages.join('')}</tev:PullMessagesResponse></s:Body></s:Envelope>`;
}

/** The notificationMessage objects the `onvif` lib makes of these messages (its parseSOAPString + linerase). */
export function parseWithOnvif(messages) {
  let body;
  parseSOAPString(pullResponse(messages), (err, res) => {
    if (err) throw err;
    body = res;
  });
  const list = linerase(body).pullMessagesResponse.notificationMessage;
  return list === undefined ? [] : Array.isArray(list) ? list : [list];
}

/** Label changes as expect tokens: `person+`, `motion-`, `line-crossing!`. */
export function tokens(changes) {
  return changes.map((c) => `${c.label}${c.pulse ? '!' : c.active ? '+' : '-'}`);
}

/**
 * Whether the changes are what the tokens expect: the same `+` and `!` tokens exactly; every expected `-` present
 * (a class list also switches off classes nobody mentioned: harmless, the tracker ignores them).
 */
export function matches(expected, changes) {
  const got = tokens(changes);
  const on = (list) => list.filter((t) => !t.endsWith('-')).sort().join(' ');
  return on(got) === on(expected) && expected.filter((t) => t.endsWith('-')).every((t) => got.includes(t));
}
