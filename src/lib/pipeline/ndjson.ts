import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { recordSchemas, type ForeignRecord, type PipelineRecord, type RecordKind } from './records.js';

export type ReadItem =
  | { known: true; record: PipelineRecord; line: number }
  /** A record of a kind this version does not know: to be passed through unchanged. */
  | { known: false; record: ForeignRecord; line: number };

/**
 * Reads NDJSON records. Blank lines are ignored. A line that is not JSON, or a known kind that fails its schema,
 * is reported on stderr with its line number and skipped; with `strict` it throws a UserError instead.
 * Unknown kinds are yielded with `known: false` so that a stage can pass them through.
 */
export async function* readRecords(input: Readable, opts: { strict?: boolean; name?: string } = {}): AsyncGenerator<ReadItem> {
  const name = opts.name ?? 'stdin';
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    const item = parseLine(text, line);
    if ('error' in item) {
      const message = `${name} line ${line}: ${item.error}`;
      if (opts.strict) throw new UserError(`${message} (--strict)`);
      log.warn({ line, input: name }, `${message}; line skipped`);
      continue;
    }
    yield item;
  }
}

export function parseLine(text: string, line: number): ReadItem | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'not a JSON object' };
  const obj = value as ForeignRecord;
  const known = typeof obj.kind === 'string' && Object.hasOwn(recordSchemas, obj.kind);
  if (!known) return { known: false, record: obj, line };
  const schema = recordSchemas[obj.kind as RecordKind];
  if (obj.v !== 1) return { error: `unsupported schema version v=${JSON.stringify(obj.v)} for kind "${obj.kind}" (this cctv reads v=1)` };
  const parsed = schema.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `${obj.kind} record: ${issue.path.join('.') || '(record)'}: ${issue.message}` };
  }
  return { known: true, record: parsed.data as PipelineRecord, line };
}

/**
 * Writes one record per line with backpressure. A closed reader (EPIPE: `cctv record | head`) is not an error:
 * `closed` becomes true and the caller stops producing.
 */
export class RecordWriter {
  closed = false;
  constructor(private readonly out: Writable) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else log.error({ err }, 'cannot write to stdout');
    });
  }

  /** Writes a typed record (or passes through a foreign one unchanged). Resolves when the stream can take more. */
  async write(record: PipelineRecord | ForeignRecord): Promise<void> {
    if (this.closed) return;
    const ok = this.out.write(`${JSON.stringify(record)}\n`);
    if (!ok && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.out.off('drain', done);
          this.out.off('close', done);
          this.out.off('error', done);
          resolve();
        };
        this.out.on('drain', done).on('close', done).on('error', done);
      });
    }
  }
}
