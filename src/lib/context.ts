import type { UnsetVariable } from './config/load.js';
import type { Config } from './config/schema.js';
import type { Db } from './catalog/db.js';
import type { ForeignRecord, PipelineRecord } from './pipeline/records.js';

/**
 * What every command receives from the CLI: the loaded configuration, the catalog (opened on first use),
 * a typed stdout writer, and the signal that SIGINT/SIGTERM abort.
 */
export interface CommandContext {
  config: Config;
  configPath: string | null;
  readonly catalog: Db;
  /** The catalog when it exists, else null: read-only commands create nothing (no data folder, no catalog.db). */
  existingCatalog(): Db | null;
  /** `${VAR}`s of the configuration that are not set (only where the command does not read them; doctor reports them). */
  unset: readonly UnsetVariable[];
  /** Writes one record to stdout as NDJSON (with backpressure). */
  write(record: PipelineRecord | ForeignRecord): Promise<void>;
  /** True when stdout is a pipe or file (records go there); false on a terminal. */
  readonly machineOutput: boolean;
  /** A bad input line is fatal instead of reported and skipped. */
  strict: boolean;
  signal: AbortSignal;
}
