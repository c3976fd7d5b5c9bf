import { describe, expect, it } from 'vitest';
import { parseDuration, parseTime } from '../../src/lib/time.js';

const NOW = Date.UTC(2024, 4, 2, 12);

describe('parseDuration', () => {
  const cases: [string, number | null][] = [
    ['30s', 30_000], ['15m', 900_000], ['24h', 86_400_000], ['7d', 604_800_000], ['0s', 0], [' 2h ', 7_200_000],
    ['', null], ['24', null], ['h', null], ['1.5h', null], ['-1h', null], ['1w', null], ['24H', null], ['1h30m', null],
  ];
  for (const [text, want] of cases) it(JSON.stringify(text), () => expect(parseDuration(text)).toBe(want));
});

describe('parseTime', () => {
  const cases: [string, number | null][] = [
    ['24h', NOW - 86_400_000],
    ['7d', NOW - 7 * 86_400_000],
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['2024-05-01T10:00:00Z', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00Z', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00:00.250Z', Date.UTC(2024, 4, 1, 10, 0, 0, 250)],
    ['2024-05-01T12:00:00+02:00', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00:00', null], // no zone: would depend on the machine's
    ['yesterday', null],
    ['2024-13-01', null],
    ['1714557600000', null],
    ['', null],
  ];
  for (const [text, want] of cases) it(JSON.stringify(text), () => expect(parseTime(text, NOW)).toBe(want));
});
