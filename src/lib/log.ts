import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pino, stdTimeFunctions, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import { redactText } from './redact.js';

/**
 * The one logger: pino to stderr (stdout carries data only). Every string that goes out passes
 * redactText(), so a URL with credentials or a configured password never reaches a log line.
 *
 * Format: human-readable lines (pino-pretty, coloured unless NO_COLOR is set) when stderr is a terminal, one JSON
 * object per line when it is not (a pipe, a file, journald); `--log-format` or $CCTV_LOG_FORMAT chooses.
 */
export type { Logger };

export type LogFormat = 'pretty' | 'json';

/** The format when none is asked for: pretty on a terminal, JSON otherwise. */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env, isTTY = !!process.stderr.isTTY): LogFormat {
  const asked = env.CCTV_LOG_FORMAT;
  if (asked === 'pretty' || asked === 'json') return asked;
  return isTTY ? 'pretty' : 'json';
}

/** True unless NO_COLOR is set to anything non-empty (https://no-color.org) or stderr is not a terminal. */
export function colorAllowed(env: NodeJS.ProcessEnv = process.env, isTTY = !!process.stderr.isTTY): boolean {
  return isTTY && !env.NO_COLOR;
}

let format: LogFormat = defaultLogFormat();
let pretty: ((line: string) => string) | undefined;

/** pino-pretty is loaded on the first pretty line only: a command in a pipe never pays for its modules. */
function prettyLine(): (line: string) => string {
  if (!pretty) {
    const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as { prettyFactory: (o: PrettyOptions) => (line: string) => string };
    pretty = prettyFactory({ colorize: colorAllowed(), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  }
  return pretty;
}

/** Synchronous writes to fd 2, so nothing is lost when the process exits. */
const stderr = {
  write(s: string): boolean {
    writeSync(2, format === 'pretty' ? prettyLine()(s) : s);
    return true;
  },
};

export function createLogger(level: string = process.env.CCTV_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: stdTimeFunctions.isoTime,
      hooks: {
        streamWrite: (s: string) => redactText(s),
      },
    },
    stderr,
  );
}

export const log: Logger = createLogger();

export function setLogLevel(level: string): void {
  log.level = level;
}

export function setLogFormat(f: LogFormat): void {
  format = f;
}
