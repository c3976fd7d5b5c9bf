import { Command, CommanderError, Option } from 'commander';
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { loadConfig } from './lib/config/load.js';
import { openDb, type Db } from './lib/catalog/db.js';
import type { CommandContext } from './lib/context.js';
import { RuntimeError, UserError } from './lib/errors.js';
import { log, setLogLevel } from './lib/log.js';
import { RecordWriter } from './lib/pipeline/ndjson.js';
import { redactText } from './lib/redact.js';

/**
 * The `cctv` program: global options, one line per command (each lazily imported from src/commands/), and the one
 * error boundary: UserError → one line, exit 2; RuntimeError → one line, exit 1; anything else → stack, exit 1.
 */
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
const collect = (v: string, prev: string[] = []) => [...prev, v];

type Action = (opts: Record<string, unknown>, ctx: CommandContext, args: string[]) => Promise<void>;
const lazy = (load: () => Promise<Action>) => async (...argv: unknown[]) => {
  const cmd = argv[argv.length - 1] as Command;
  const ctx = await makeContext(cmd.optsWithGlobals());
  const action = await load();
  await action(cmd.opts(), ctx, cmd.args);
};

export function buildProgram(): Command {
  const program = new Command('cctv')
    .description('Record IP cameras, keep event clips, alert on people.')
    .version(version)
    .option('--config <file>', 'configuration file (default: $CCTV_CONFIG, then cctv.config.yaml upwards)')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .option('--strict', 'an invalid input line is fatal instead of reported and skipped')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('record')
    .description('record cameras continuously until SIGINT/SIGTERM; emits `segment` records')
    .option('--camera <name>', 'camera to record (repeatable; default all)', collect)
    .action(lazy(async () => (await import('./commands/record.js')).record));

  program
    .command('upload')
    .description('store event clips cut from the recordings (records on stdin) and FILEs; emits `uploaded` records')
    .argument('[file...]', 'clip files to store as they are (remuxed when browsers cannot play them)')
    .option('--camera <name>', 'camera the FILEs come from (default: the only configured camera)')
    .action(lazy(async () => (await import('./commands/upload.js')).upload));

  program
    .command('analyze')
    .description('run the detector on uploaded clips (records on stdin) and FILEs/URLs, tag them, alert; emits `analyzed` records')
    .argument('[clip...]', 'clip files or URLs (s3://, file://, http(s)://) to analyse')
    .option('--camera <name>', 'camera of clips not stored by `cctv upload` (default: the only configured camera)')
    .action(lazy(async () => (await import('./commands/analyze.js')).analyze));

  program
    .command('watch-events')
    .description('subscribe to ONVIF events and drop folders until SIGINT/SIGTERM; emits `event` and `clip` records')
    .option('--camera <name>', 'camera to watch (repeatable; default all enabled)', collect)
    .option('--list-topics', "list each camera's advertised ONVIF topics and what each maps to, then exit")
    .action(lazy(async () => (await import('./commands/watch-events.js')).watchEventsCommand));

  program
    .command('search')
    .description('find events and clips in the catalog by tag, camera and time; newest first')
    .option('--tag <label>', 'label that must be present (repeatable: all must match)', collect)
    .option('--camera <name>', 'camera (repeatable: any of them)', collect)
    .option('--since <when>', 'from this time: 30s, 15m, 24h, 7d ago or ISO 8601')
    .option('--until <when>', 'before this time: 30s, 15m, 24h, 7d ago or ISO 8601')
    .option('--min-confidence <n>', 'detector confidence 0..1 each tag needs (camera labels then do not count)')
    .option('--limit <n>', 'at most this many matches (default 100)')
    .option('--json', 'one JSON record per line even on a terminal')
    .action(lazy(async () => (await import('./commands/search.js')).searchCommand));

  program
    .command('serve')
    .description('playback web app and JSON API (events, clips, timeline, live frames) until SIGINT/SIGTERM')
    .option('--host <host>', 'address to bind (default serve.host, 127.0.0.1); non-loopback needs sign-in (cctv user add, or serve.auth)')
    .option('--port <port>', 'port (default serve.port, 8080; 0 picks a free one)')
    .action(lazy(async () => (await import('./commands/serve.js')).serve));

  const user = program.command('user').description("the web app's users (sign-in): add, passwd, role, remove, list");
  user
    .command('add')
    .description('add a user; the password is asked twice (or read from the first line of stdin)')
    .argument('<name>', 'user name')
    .option('--role <role>', 'admin or viewer (default viewer)')
    .action(lazy(async () => (await import('./commands/user.js')).userAdd));
  user
    .command('passwd')
    .description("change a user's password (ends their sessions)")
    .argument('<name>', 'user name')
    .action(lazy(async () => (await import('./commands/user.js')).userPasswd));
  user
    .command('role')
    .description("change a user's role")
    .argument('<name>', 'user name')
    .argument('<role>', 'admin or viewer')
    .action(lazy(async () => (await import('./commands/user.js')).userRole));
  user
    .command('remove')
    .description('remove a user (ends their sessions)')
    .argument('<name>', 'user name')
    .action(lazy(async () => (await import('./commands/user.js')).userRemove));
  user
    .command('list')
    .description('list the users')
    .option('--json', 'one JSON object per line even on a terminal')
    .action(lazy(async () => (await import('./commands/user.js')).userList));

  const token = program.command('token').description('API tokens for scripts (Authorization: Bearer): create, list, revoke');
  token
    .command('create')
    .description('create a token and print it once on stdout')
    .argument('<name>', 'what it is for, e.g. home-assistant')
    .option('--role <role>', 'admin or viewer (default viewer)')
    .option('--expires <duration>', 'valid for this long (30d, 12h, …); default until revoked')
    .action(lazy(async () => (await import('./commands/token.js')).tokenCreate));
  token
    .command('list')
    .description('list the tokens (never their secrets)')
    .option('--json', 'one JSON object per line even on a terminal')
    .action(lazy(async () => (await import('./commands/token.js')).tokenList));
  token
    .command('revoke')
    .description('revoke a token')
    .argument('<id-or-name>', 'its id or name (cctv token list)')
    .action(lazy(async () => (await import('./commands/token.js')).tokenRevoke));

  program
    .command('prune')
    .description('apply the retention policy: old recordings, disk quota, uploaded local clips, expired stored clips')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .option('--json', 'JSON records even on a terminal')
    .action(lazy(async () => (await import('./commands/prune.js')).prune));

  program
    .command('demo')
    .description('the whole pipeline on simulated cameras (or, with a config file, on yours), served on the web until Ctrl-C')
    .option('--host <host>', 'address to serve on (default serve.host)')
    .option('--port <port>', 'port to serve on (default serve.port; 0 picks a free one)')
    .option('--data-dir <dir>', 'where the simulated cameras\' data goes (without a config file)', './cctv-demo')
    .option('--segment-seconds <n>', 'recording segment length (default 60 for the simulated cameras)')
    .action(lazy(async () => (await import('./commands/demo.js')).demo));

  program
    .command('alert')
    .description('alert sinks')
    .command('test')
    .description('send a test alert with a sample snapshot through every configured sink; exit 1 when one fails')
    .option('--sink <name>', 'only this sink (its name in the configuration)')
    .action(lazy(async () => (await import('./commands/alert.js')).alertTest));

  program
    .command('cloud')
    .description('the hosted app in AWS')
    .command('reindex')
    .description("rebuild this site's entries of the hosted app's event index (DynamoDB) from the manifests in storage")
    .option('--table <name>', 'the event index table (Terraform output events_table_name)')
    .option('--concurrency <n>', 'manifests indexed at once (default 8)')
    .option('--dynamodb-endpoint <url>', 'a DynamoDB-compatible endpoint instead of AWS (local tests)')
    .action(lazy(async () => (await import('./commands/cloud.js')).cloudReindex));

  program
    .command('doctor')
    .description('check ffmpeg, configuration, data folder, cameras and storage; exit 1 when something is wrong')
    .action(lazy(async () => (await import('./commands/doctor.js')).doctor));

  return program;
}

async function makeContext(opts: { config?: string; logLevel?: string; strict?: boolean }): Promise<CommandContext> {
  if (opts.logLevel) setLogLevel(opts.logLevel);
  const { config, filepath } = await loadConfig({ explicit: opts.config });
  const controller = new AbortController();
  // Every camera, source and timer listens to this one signal: dozens of listeners are normal.
  setMaxListeners(0, controller.signal);
  let signals = 0;
  const onSignal = (name: string) => {
    signals++;
    if (signals > 1) {
      log.warn(`second ${name}: exiting now`);
      process.exit(130);
    }
    log.info(`${name}: finishing (send again to exit at once)`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const writer = new RecordWriter(process.stdout);
  let db: Db | undefined;
  process.on('exit', () => db?.close());
  return {
    config,
    configPath: filepath,
    get catalog() {
      db ??= openDb(config.dataDir);
      return db;
    },
    write: (r) => writer.write(r),
    machineOutput: !process.stdout.isTTY,
    strict: opts.strict ?? false,
    signal: controller.signal,
  };
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`cctv: ${redactText(err.message)}\n`);
      return 2;
    }
    if (err instanceof RuntimeError) {
      process.stderr.write(`cctv: ${redactText(err.message)}\n`);
      return 1;
    }
    process.stderr.write(`cctv: unexpected error: ${redactText(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
// A library that leaves a handle open (a socket, a timer) must not keep a finished command alive.
setTimeout(() => process.exit(code), 3000).unref();
