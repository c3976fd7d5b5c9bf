import path from 'node:path';
import { openDb } from '../lib/catalog/db.js';
import type { CommandContext } from '../lib/context.js';
import { configSchema, type Config } from '../lib/config/schema.js';
import { demoCameras } from '../lib/demo/simulated-cameras.js';
import { UserError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { runService } from '../lib/run/service.js';

export interface DemoOptions {
  host?: string;
  port?: string;
  dataDir?: string;
  segmentSeconds?: string;
}

/**
 * The built-in demo: simulated cameras, the embedded defaults (file:// storage under the demo folder, the local
 * detector), the whole pipeline in one process, and the web app. With a configuration file (--config, $CCTV_CONFIG or
 * one found upwards) the same pipeline runs on the user's cameras and settings instead.
 */
export function demoConfig(dataDir: string, cameras: Record<string, { url: string }>, segmentSeconds: number): Config {
  return configSchema.parse({
    dataDir,
    cameras,
    record: { segmentSeconds },
    // The simulated cameras' streams are small: the motion source decodes every frame (a keyframe is 1 s apart).
    events: { preRollSeconds: 2, postRollSeconds: 3, maxEventSeconds: 20, mergeGapSeconds: 3, motion: { decode: 'all' } },
    storage: { url: `file://${path.join(dataDir, 'archive')}` },
    detect: { detector: 'local', maxFramesPerEvent: 4 },
  });
}

const int = (v: string | undefined, flag: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${flag} ${v}: a whole number from ${min} to ${max}`);
  return n;
};

export async function demo(opts: DemoOptions, ctx: CommandContext): Promise<void> {
  const segmentSeconds = int(opts.segmentSeconds, '--segment-seconds', 10, 3600);
  const port = int(opts.port, '--port', 0, 65535);
  let config: Config;
  if (ctx.configPath) {
    log.info({ config: ctx.configPath }, 'demo with your configuration: recording your cameras');
    config = segmentSeconds ? { ...ctx.config, record: { ...ctx.config.record, segmentSeconds } } : ctx.config;
  } else {
    const dataDir = path.resolve(opts.dataDir ?? 'cctv-demo');
    log.info({ dataDir }, 'demo with simulated cameras (no config file found); data goes to the demo folder');
    config = demoConfig(dataDir, await demoCameras(), segmentSeconds ?? 60);
  }
  const db = ctx.configPath ? ctx.catalog : openDb(config.dataDir);
  // `cctv run` on the simulated cameras: the same supervised stages, the same /readyz and /metrics.
  await runService({
    config, db, signal: ctx.signal,
    host: opts.host ?? config.serve.host,
    port: port ?? config.serve.port,
    onListening: (url) => process.stderr.write(`\ncctv demo: open ${url} (Ctrl-C to stop)\n\n`),
  });
  if (!ctx.configPath) db.close();
}
