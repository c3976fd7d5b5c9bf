import { destination, pino, stdTimeFunctions, type Logger } from 'pino';
import { redactText } from './redact.js';

/**
 * The one logger: pino to stderr (stdout carries data only). Every string that goes out passes
 * redactText(), so a URL with credentials or a configured password never reaches a log line.
 */
export type { Logger };

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
    destination({ fd: 2, sync: true }),
  );
}

export const log: Logger = createLogger();

export function setLogLevel(level: string): void {
  log.level = level;
}
