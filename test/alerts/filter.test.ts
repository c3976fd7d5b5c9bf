import { describe, expect, it } from 'vitest';
import { deliveryDecision, filterSink, inQuietHours, localMinutes, type DeliveryRule } from '../../src/lib/alerts/filter.js';
import type { Alert, AlertSink } from '../../src/lib/alerts/types.js';

const person = { camera: 'front', labels: [{ name: 'person', confidence: 0.9, at: '' }] };
const car = { camera: 'drive', labels: [{ name: 'car', confidence: 0.8, at: '' }] };
const utc = (iso: string) => Date.parse(iso);

describe('inQuietHours', () => {
  it.each([
    ['inside a daytime window', '10:00', '12:00', 11 * 60, true],
    ['at its start (inclusive)', '10:00', '12:00', 10 * 60, true],
    ['at its end (exclusive)', '10:00', '12:00', 12 * 60, false],
    ['before it', '10:00', '12:00', 9 * 60 + 59, false],
    ['across midnight, late evening', '22:00', '07:00', 23 * 60, true],
    ['across midnight, at midnight', '22:00', '07:00', 0, true],
    ['across midnight, early morning', '22:00', '07:00', 6 * 60 + 59, true],
    ['across midnight, at its end', '22:00', '07:00', 7 * 60, false],
    ['across midnight, afternoon', '22:00', '07:00', 15 * 60, false],
  ])('%s', (_n, from, to, minutes, expected) => {
    expect(inQuietHours(minutes, { from, to })).toBe(expected);
  });
});

describe('localMinutes: the wall clock in the configured time zone', () => {
  it.each([
    ['UTC', '2024-01-15T23:30:00Z', 'UTC', 23 * 60 + 30],
    ['London in winter (GMT)', '2024-01-15T23:30:00Z', 'Europe/London', 23 * 60 + 30],
    ['London in summer (BST, +1)', '2024-07-15T23:30:00Z', 'Europe/London', 30],
    ['New York in winter (-5)', '2024-01-16T03:00:00Z', 'America/New_York', 22 * 60],
    ['Kolkata (+5:30)', '2024-01-15T18:00:00Z', 'Asia/Kolkata', 23 * 60 + 30],
    ['the day London springs forward, after the change', '2024-03-31T01:30:00Z', 'Europe/London', 2 * 60 + 30],
  ])('%s', (_n, iso, tz, minutes) => {
    expect(localMinutes(utc(iso), tz)).toBe(minutes);
  });
});

describe('deliveryDecision', () => {
  const night = { from: '22:00', to: '07:00' };
  it.each<[string, Partial<DeliveryRule>, typeof person, string, boolean]>([
    ['no rule', {}, person, '2024-01-15T12:00:00Z', true],
    ['label listed', { labels: ['person'] }, person, '2024-01-15T12:00:00Z', true],
    ['label not listed', { labels: ['person'] }, car, '2024-01-15T12:00:00Z', false],
    ['a category covers its members', { labels: ['vehicle'] }, car, '2024-01-15T12:00:00Z', true],
    ['camera listed', { cameras: ['front'] }, person, '2024-01-15T12:00:00Z', true],
    ['camera not listed', { cameras: ['front'] }, car, '2024-01-15T12:00:00Z', false],
    ['quiet hours, London night in winter', { quietHours: night, timeZone: 'Europe/London' }, person, '2024-01-15T23:00:00Z', false],
    ['quiet hours over, London morning', { quietHours: night, timeZone: 'Europe/London' }, person, '2024-01-15T07:30:00Z', true],
    // 06:30 UTC in July is 07:30 BST: quiet hours are over in London, not yet in UTC.
    ['quiet hours follow daylight saving', { quietHours: night, timeZone: 'Europe/London' }, person, '2024-07-15T06:30:00Z', true],
    ['the same instant in UTC', { quietHours: night, timeZone: 'UTC' }, person, '2024-07-15T06:30:00Z', false],
    ['New York evening is quiet, though UTC says morning', { quietHours: night, timeZone: 'America/New_York' }, person, '2024-01-16T04:00:00Z', false],
  ])('%s', (_n, rule, alert, when, deliver) => {
    expect(deliveryDecision({ timeZone: 'UTC', ...rule }, alert, utc(when)).deliver).toBe(deliver);
  });

  it('says why it holds an alert back', () => {
    expect(deliveryDecision({ timeZone: 'Europe/London', quietHours: { from: '22:00', to: '07:00' } }, person, utc('2024-01-15T23:00:00Z'))).toEqual({
      deliver: false, reason: 'quiet hours 22:00–07:00 (Europe/London)',
    });
  });
});

describe('filterSink', () => {
  it('passes deliverable alerts to the wrapped sink and answers { skipped } for the others', async () => {
    const sent: string[] = [];
    const inner: AlertSink = { name: 'phone', send: async (a) => (sent.push(a.camera), { answer: 'HTTP 200' }), close: async () => {} };
    const sink = filterSink(inner, { timeZone: 'UTC', cameras: ['front'] }, () => utc('2024-01-15T12:00:00Z'));
    expect(sink.name).toBe('phone');
    expect(await sink.send(person as unknown as Alert)).toEqual({ answer: 'HTTP 200' });
    expect(await sink.send(car as unknown as Alert)).toEqual({ skipped: 'camera drive not in this sink\'s cameras' });
    expect(sent).toEqual(['front']);
  });
});
