/**
 * A problem the user can fix (bad flag, bad config, missing camera). The CLI prints the message
 * on one line and exits 2. Anything else that escapes a command is a bug or a runtime failure: exit 1.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** A runtime failure that is expected and explained (storage down, camera unreachable): exit 1, no stack. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
