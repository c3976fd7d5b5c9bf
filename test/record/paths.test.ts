import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { finalSegmentPath, nameSegment, runDir } from '../../src/lib/record/paths.js';
import { adoptRunFolder } from '../../src/lib/record/recover.js';

const T = Date.parse('2024-05-01T12:00:10.400Z');

describe('segment names (real files)', () => {
  it('time-named paths, and -<n> for the n-th repeat', () => {
    expect(finalSegmentPath('/d', 'front', T, '.mkv')).toBe('/d/recordings/front/2024-05-01/120010.mkv');
    expect(finalSegmentPath('/d', 'front', T, '.ts', 2)).toBe('/d/recordings/front/2024-05-01/120010-2.ts');
  });

  it('nameSegment moves the file to the first free name and never replaces one', () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'cctv-paths-'));
    const run = runDir(data, 'front', 'x');
    mkdirSync(run, { recursive: true });
    const names: string[] = [];
    for (const body of ['first', 'second', 'third']) {
      writeFileSync(path.join(run, '000001.mkv'), body);
      names.push(path.relative(data, nameSegment(path.join(run, '000001.mkv'), data, 'front', T)));
    }
    expect(names).toEqual(['recordings/front/2024-05-01/120010.mkv', 'recordings/front/2024-05-01/120010-1.mkv', 'recordings/front/2024-05-01/120010-2.mkv']);
    expect(names.map((n) => readFileSync(path.join(data, n), 'utf8'))).toEqual(['first', 'second', 'third']);
    expect(readdirSync(run)).toEqual([]);
  });

  it('adoptRunFolder names the recordings a killed recorder left numbered, drops the rest and the folder', () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'cctv-paths-'));
    const run = runDir(data, 'front', 'y');
    mkdirSync(run, { recursive: true });
    writeFileSync(path.join(run, '000007.mkv'), 'video');
    writeFileSync(path.join(run, '000008.mkv'), ''); // opened, nothing written
    writeFileSync(path.join(run, 'segments.csv'), '000006.mkv,0.0,10.0\n');
    utimesSync(path.join(run, '000007.mkv'), T / 1000, T / 1000);
    const adopted = adoptRunFolder(run, data, 'front');
    expect(adopted).toHaveLength(1);
    expect(readFileSync(adopted[0]!, 'utf8')).toBe('video');
    expect(path.relative(data, adopted[0]!)).toMatch(/^recordings\/front\/\d{4}-\d{2}-\d{2}\/\d{6}\.mkv$/);
    expect(existsSync(run)).toBe(false);
  });
});
