import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readRecords, RecordWriter } from '../../src/lib/pipeline/ndjson.js';

const seg = { v: 1, kind: 'segment', camera: 'front', path: 'recordings/front/2026-01-01/000000.mkv', start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:15:00Z', durationSeconds: 900, bytes: 10 };

async function readAll(text: string, strict = false) {
  const items = [];
  for await (const item of readRecords(Readable.from([text]), { strict })) items.push(item);
  return items;
}

describe('readRecords', () => {
  it('yields known records typed, foreign kinds for pass-through, and skips bad lines', async () => {
    const text = [
      JSON.stringify(seg),
      'not json',
      '',
      JSON.stringify({ v: 1, kind: 'weather', temp: 3 }),
      JSON.stringify({ ...seg, bytes: -1 }),
      JSON.stringify({ ...seg, v: 2 }),
      '[1,2]',
      JSON.stringify({ ...seg, extra: 'kept' }),
    ].join('\n');
    const items = await readAll(text);
    expect(items.map((i) => [i.line, i.known, i.record.kind])).toEqual([
      [1, true, 'segment'],
      [4, false, 'weather'],
      [8, true, 'segment'],
    ]);
    expect(items[2]!.record).toHaveProperty('extra', 'kept');
  });

  it('with strict, the first bad line is fatal and names its line', async () => {
    await expect(readAll(`${JSON.stringify(seg)}\n{oops`, true)).rejects.toThrow(/stdin line 2: not valid JSON \(--strict\)/);
  });
});

describe('RecordWriter', () => {
  it('waits for drain (backpressure) and writes one JSON object per line', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const w = new RecordWriter(out);
    let drained = false;
    const p = w.write(seg as never).then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    const line = String(out.read());
    await p;
    expect(JSON.parse(line)).toEqual(seg);
  });
});
