import { describe, expect, it } from 'vitest';
import { insidePolygon, regionMask, type Polygon } from '../../src/lib/motion/geometry.js';

const square: Polygon = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
const triangle: Polygon = [[0, 0], [1, 0], [0, 1]];

describe('insidePolygon', () => {
  it.each([
    [0.5, 0.5, square, true],
    [0.1, 0.5, square, false],
    [0.8, 0.8, square, false],
    [0.2, 0.2, triangle, true],
    [0.6, 0.6, triangle, false],
  ] as const)('(%f, %f) in %j → %s', (x, y, polygon, want) => {
    expect(insidePolygon(x, y, polygon)).toBe(want);
  });
});

const rows = (mask: Uint8Array, width: number) =>
  Array.from({ length: mask.length / width }, (_, y) => Array.from(mask.subarray(y * width, (y + 1) * width)).join(''));

describe('regionMask (pixel centres, 4×4)', () => {
  it.each([
    ['no zone, no mask: everything', [], [], ['1111', '1111', '1111', '1111']],
    ['a zone: only inside it', [square], [], ['0000', '0110', '0110', '0000']],
    ['a mask: everything but it', [], [square], ['1111', '1001', '1001', '1111']],
    ['zone minus mask (a centre on an edge is out)', [triangle], [[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]], ['0010', '0000', '1000', '0000']],
    ['two zones', [[[0, 0], [0.5, 0], [0.5, 0.25], [0, 0.25]], [[0.5, 0.75], [1, 0.75], [1, 1], [0.5, 1]]], [], ['1100', '0000', '0000', '0011']],
  ] as [string, Polygon[], Polygon[], string[]][])('%s', (_name, zones, masks, want) => {
    expect(rows(regionMask(4, 4, zones, masks), 4)).toEqual(want);
  });
});
