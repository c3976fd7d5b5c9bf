import { fstatSync } from 'node:fs';
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
export async function* readRecords(input: Readable, opts: { strict?: boolean; name?: string; signal?: AbortSignal } = {}): AsyncGenerator<ReadItem> {
  const name = opts.name ?? 'stdin';
  // An aborted signal closes the reader: the loop ends as at the end of input (the rest of the pipe is not read).
  const rl = createInterface({ input, crlfDelay: Infinity, ...(opts.signal ? { signal: opts.signal } : {}) });
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

/** The reader of a pipe went away (EPIPE): nothing written from now on reaches anyone. */
export class PipeClosedError extends Error {
  constructor() {
    super('stdout closed: the next stage of the pipe is gone');
  }
}

/**
 * Writes one record per line. `write` resolves once the line is handed to the operating system (the write callback:
 * in the pipe, for the reader to take), so a caller that marks something delivered after it never marks a record
 * that went nowhere; waiting for that is the backpressure (a slow reader holds its writers, nothing piles up here).
 * A closed reader (EPIPE: `cctv watch-events | head`) rejects the write and every later one with PipeClosedError and
 * calls `onClosed` once: the stage stops, as a Unix tool does on SIGPIPE.
 */
export class RecordWriter {
  closed = false;
  constructor(
    private readonly out: Writable,
    private readonly onClosed: () => void = () => {},
  ) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.close();
      else log.error({ err }, 'cannot write to stdout');
    });
  }

  /** Writes a typed record (or passes through a foreign one unchanged); resolves once it is written (see above). */
  write(record: PipelineRecord | ForeignRecord): Promise<void> {
    if (this.closed) return Promise.reject(new PipeClosedError());
    return new Promise<void>((resolve, reject) => {
      this.out.write(`${JSON.stringify(record)}\n`, (err) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED') {
          this.close();
          reject(new PipeClosedError());
        } else reject(err);
      });
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
  }
}

/**
 * Whether stdin can never carry records: /dev/null (a character device that is not a terminal: `cctv upload <
 * /dev/null` from cron) or closed. Such a run has no input to wait for.
 */
export function stdinIsEmptyByNature(): boolean {
  try {
    return fstatSync(0).isCharacterDevice() && !process.stdin.isTTY;
  } catch {
    return true;
  }
}
