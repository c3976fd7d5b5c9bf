import { Command, CommanderError, Option } from 'commander';
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, requireEnv } from './lib/config/load.js';
import { openDb, type Db } from './lib/catalog/db.js';
import type { CommandContext } from './lib/context.js';
import { RuntimeError, UserError } from './lib/errors.js';
import { defaultLogFormat, log, setLogFormat, setLogLevel, type LogFormat } from './lib/log.js';
import { PipeClosedError, RecordWriter } from './lib/pipeline/ndjson.js';
import { redactText } from './lib/redact.js';

/**
 * The `cctv` program: global options, one line per command (each lazily imported from src/commands/), and the one
 * error boundary: UserError → one line, exit 2; RuntimeError → one line, exit 1; anything else → stack, exit 1.
 */
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
const collect = (v: string, prev: string[] = []) => [...prev, v];

type Action = (opts: Record<string, unknown>, ctx: CommandContext, args: string[]) => Promise<void>;
/**
 * The configuration keys a command reads (dotted, `*` for any one segment): a `${VAR}` is required only in those
 * (requireEnv). Default: every key.
 */
type Uses = (opts: Record<string, unknown>) => readonly string[];
const lazy = (load: () => Promise<Action>, uses: Uses = () => ['*']) => async (...argv: unknown[]) => {
  const cmd = argv[argv.length - 1] as Command;
  const ctx = await makeContext(cmd.optsWithGlobals(), uses(cmd.opts()));
  const action = await load();
  await action(cmd.opts(), ctx, cmd.args);
};

/** The cameras named by --camera, or all of them: the key of each camera's `field`. */
const cameraKeys = (field: string) => (opts: Record<string, unknown>) =>
  ((opts.camera as string[] | undefined)?.length ? (opts.camera as string[]) : ['*']).map((c) => `cameras.${c}.${field}`);
/** What each stage reads: `cctv record` does not need the web app's password, nor `cctv serve` the cameras'. */
const USES = {
  record: (o: Record<string, unknown>) => ['dataDir', 'record', ...cameraKeys('url')(o), ...cameraKeys('record')(o)],
  watchEvents: () => ['dataDir', 'events', 'cameras'],
  upload: () => ['dataDir', 'record', 'events', 'storage', 'cameras.*.record'],
  analyze: () => ['dataDir', 'storage', 'detect', 'alerts', 'serve.publicUrl'],
  serve: () => ['dataDir', 'record', 'storage', 'serve', 'cameras.*.record'],
  catalog: () => ['dataDir'],
  prune: () => ['dataDir', 'record', 'retention', 'storage', 'cameras.*.record'],
  alerts: () => ['dataDir', 'alerts', 'serve.publicUrl', 'storage'],
  none: () => [],
} satisfies Record<string, Uses>;

/** `Examples:` after a command's help. */
const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;

export function buildProgram(): Command {
  const program = new Command('cctv')
    .description('Record IP cameras, keep event clips, alert on people.')
    .version(version)
    .option('--config <file>', 'configuration file (default: $CCTV_CONFIG, then cctv.config.yaml upwards)')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .addOption(new Option('--log-format <format>', 'log lines: pretty (default on a terminal) or json (default otherwise; $CCTV_LOG_FORMAT)').choices(['pretty', 'json']))
    .option('--strict', 'an invalid input line is fatal instead of reported and skipped')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', examples(
      'cctv run                                    everything in one supervised process (what the service runs)',
      'cctv record | cctv watch-events | cctv upload | cctv analyze   the same stages in a pipe',
      'cctv search --tag person --since 24h        what happened today',
      'cctv status                                 is the service healthy?',
      'source <(cctv completion bash)              tab completion in bash (also zsh, fish)',
    ));

  program
    .command('record')
    .description('record cameras continuously until SIGINT/SIGTERM; emits `segment` records')
    .option('--camera <name>', 'camera to record (repeatable; default all)', collect)
    .addHelpText('after', examples('cctv record --camera front > segments.ndjson', 'cctv record | cctv upload'))
    .action(lazy(async () => (await import('./commands/record.js')).record, USES.record));

  program
    .command('upload')
    .description('store event clips cut from the recordings (records on stdin) and FILEs; emits `uploaded` records')
    .argument('[file...]', 'clip files to store as they are (remuxed when browsers cannot play them)')
    .option('--camera <name>', 'camera the FILEs come from (default: the only configured camera)')
    .addHelpText('after', examples('cctv watch-events | cctv upload | cctv analyze', 'cctv upload --camera front doorbell.mp4'))
    .action(lazy(async () => (await import('./commands/upload.js')).upload, USES.upload));

  program
    .command('analyze')
    .description('run the detector on uploaded clips (records on stdin) and FILEs/URLs, tag them, alert; emits `analyzed` records')
    .argument('[clip...]', 'clip files or URLs (s3://, file://, http(s)://) to analyse')
    .option('--camera <name>', 'camera of clips not stored by `cctv upload` (default: the only configured camera)')
    .addHelpText('after', examples('cctv watch-events | cctv upload | cctv analyze', 'cctv analyze --camera front clip.mp4'))
    .action(lazy(async () => (await import('./commands/analyze.js')).analyze, USES.analyze));

  program
    .command('watch-events')
    .description('subscribe to ONVIF events and drop folders until SIGINT/SIGTERM; emits `event` and `clip` records')
    .option('--camera <name>', 'camera to watch (repeatable; default all enabled)', collect)
    .option('--list-topics', "list each camera's advertised ONVIF topics and what each maps to, then exit")
    .addHelpText('after', examples('cctv watch-events --camera front', 'cctv watch-events --list-topics'))
    .action(lazy(async () => (await import('./commands/watch-events.js')).watchEventsCommand, USES.watchEvents));

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
    .addHelpText('after', examples('cctv search --tag person --since 24h', 'cctv search --camera front --since 2026-05-01 --until 2026-05-02 --json | jq .url'))
    .action(lazy(async () => (await import('./commands/search.js')).searchCommand, USES.catalog));

  program
    .command('serve')
    .description('playback web app and JSON API (events, clips, timeline, live frames) until SIGINT/SIGTERM')
    .option('--host <host>', 'address to bind (default serve.host, 127.0.0.1); non-loopback needs sign-in (cctv user add, or serve.auth)')
    .option('--port <port>', 'port (default serve.port, 8080; 0 picks a free one)')
    .addHelpText('after', examples('cctv serve', 'cctv serve --host 0.0.0.0 --port 8080   (after cctv user add)'))
    .action(lazy(async () => (await import('./commands/serve.js')).serve, USES.serve));

  const user = program.command('user').description("the web app's users (sign-in): add, passwd, role, remove, list");
  user
    .command('add')
    .description('add a user; the password is asked twice (or read from the first line of stdin)')
    .argument('<name>', 'user name')
    .option('--role <role>', 'admin or viewer (default viewer)')
    .action(lazy(async () => (await import('./commands/user.js')).userAdd, USES.catalog));
  user
    .command('passwd')
    .description("change a user's password (ends their sessions)")
    .argument('<name>', 'user name')
    .action(lazy(async () => (await import('./commands/user.js')).userPasswd, USES.catalog));
  user
    .command('role')
    .description("change a user's role")
    .argument('<name>', 'user name')
    .argument('<role>', 'admin or viewer')
    .action(lazy(async () => (await import('./commands/user.js')).userRole, USES.catalog));
  user
    .command('remove')
    .description('remove a user (ends their sessions)')
    .argument('<name>', 'user name')
    .action(lazy(async () => (await import('./commands/user.js')).userRemove, USES.catalog));
  user
    .command('list')
    .description('list the users')
    .option('--json', 'one JSON object per line even on a terminal')
    .action(lazy(async () => (await import('./commands/user.js')).userList, USES.catalog));

  const token = program.command('token').description('API tokens for scripts (Authorization: Bearer): create, list, revoke');
  token
    .command('create')
    .description('create a token and print it once on stdout')
    .argument('<name>', 'what it is for, e.g. home-assistant')
    .option('--role <role>', 'admin or viewer (default viewer)')
    .option('--expires <duration>', 'valid for this long (30d, 12h, …); default until revoked')
    .action(lazy(async () => (await import('./commands/token.js')).tokenCreate, USES.catalog));
  token
    .command('list')
    .description('list the tokens (never their secrets)')
    .option('--json', 'one JSON object per line even on a terminal')
    .action(lazy(async () => (await import('./commands/token.js')).tokenList, USES.catalog));
  token
    .command('revoke')
    .description('revoke a token')
    .argument('<id-or-name>', 'its id or name (cctv token list)')
    .action(lazy(async () => (await import('./commands/token.js')).tokenRevoke, USES.catalog));

  program
    .command('export')
    .description('a time range of cameras as MP4 files (video copied) with manifest.json and SHA256SUMS; prints their sums')
    .option('--camera <name>', 'camera to export (repeatable)', collect)
    .option('--from <when>', 'start: ISO 8601 (2024-05-01T12:00:00Z) or a duration ago (30m)')
    .option('--to <when>', 'end: ISO 8601 or a duration ago')
    .option('--out <dir>', 'folder to write to (created; files must not exist yet)')
    .action(lazy(async () => (await import('./commands/export.js')).exportCommand));

  program
    .command('prune')
    .description('apply the retention policy: old recordings, disk quota, uploaded local clips, expired stored clips')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .option('--json', 'JSON records even on a terminal')
    .addHelpText('after', examples('cctv prune --dry-run', 'cctv prune --json'))
    .action(lazy(async () => (await import('./commands/prune.js')).prune, USES.prune));

  program
    .command('init')
    .description('find the ONVIF cameras, read their streams, write a commented cctv.config.yaml and cctv.env (the secrets)')
    .option('--probe <address>', 'also probe this address, address:port or subnet (a.b.c.0/24): multicast does not cross subnets (repeatable)', collect)
    .option('--no-discover', 'skip WS-Discovery (multicast on this network)')
    .option('--username <name>', 'camera user name (asked on a terminal when missing)')
    .option('--password-env <variable>', 'read the camera password from this environment variable (asked on a terminal when missing)')
    .option('--out <file>', 'the configuration written (default ./cctv.config.yaml)')
    .option('--secrets-file <file>', 'the secrets written, KEY="value" lines, mode 0600 (default cctv.env beside --out; not --env-file, which Node 20 takes for itself)')
    .option('--data-dir <dir>', 'dataDir of the configuration (default cctv-data beside --out)')
    .option('--segment-seconds <n>', 'recording segment length (default 900)')
    .option('--no-keyframe-check', "skip opening each main stream to measure its keyframe interval")
    .option('--timeout <seconds>', 'how long each camera and the discovery get to answer (default 3)')
    .option('--force', 'replace existing files')
    .addHelpText('after', examples(
      'cctv init                                         discover, ask for credentials, write the files',
      'CAM_PW=… cctv init --probe 192.168.2.0/24 --username admin --password-env CAM_PW --no-discover',
    ))
    .action(lazy(async () => (await import('./commands/init.js')).init, USES.none));

  program
    .command('run')
    .description('every stage in one supervised process (record, events, upload, analyze, serve, prune hourly) until SIGINT/SIGTERM')
    .option('--host <host>', 'address of the web app (default serve.host)')
    .option('--port <port>', 'port of the web app (default serve.port; 0 picks a free one)')
    .addHelpText('after', examples('cctv run', 'cctv run --port 8081', 'curl -s localhost:8080/readyz; curl -s localhost:8080/metrics'))
    .action(lazy(async () => (await import('./commands/run.js')).run));

  program
    .command('status')
    .description("the running service's stages (its /readyz), recording lag, outbox and disk; exit 1 when not running or not ready")
    .option('--json', 'one JSON object on stdout')
    .option('--url <url>', "the web app's address (default from serve.host, serve.port and serve.tls)")
    .addHelpText('after', examples('cctv status', "cctv status --json | jq '.stages[] | select(.state != \"running\")'"))
    .action(lazy(async () => (await import('./commands/status.js')).status, () => ['dataDir', 'serve.host', 'serve.port', 'serve.tls']));

  program
    .command('demo')
    .description('the whole pipeline on simulated cameras (or, with a config file, on yours), served on the web until Ctrl-C')
    .option('--host <host>', 'address to serve on (default serve.host)')
    .option('--port <port>', 'port to serve on (default serve.port; 0 picks a free one)')
    .option('--data-dir <dir>', 'where the simulated cameras\' data goes (without a config file)', './cctv-demo')
    .option('--segment-seconds <n>', 'recording segment length (default 60 for the simulated cameras)')
    .addHelpText('after', examples('cctv demo', 'cctv demo --port 0 --data-dir /tmp/cctv-demo'))
    .action(lazy(async () => (await import('./commands/demo.js')).demo));

  program
    .command('alert')
    .description('alert sinks')
    .command('test')
    .description('send a test alert with a sample snapshot through every configured sink; exit 1 when one fails')
    .option('--sink <name>', 'only this sink (its name in the configuration)')
    .option('--json', 'one `alert-test` record per sink even on a terminal')
    .addHelpText('after', examples('cctv alert test', 'cctv alert test --sink ntfy'))
    .action(lazy(async () => (await import('./commands/alert.js')).alertTest, USES.alerts));

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
    .option('--json', 'the checks as one JSON object on stdout')
    .addHelpText('after', examples('cctv doctor', 'cctv doctor --json | jq \'.checks[] | select(.level != "ok")\''))
    .action(lazy(async () => (await import('./commands/doctor.js')).doctor, USES.none));

  const service = program.command('service').description('the systemd service running `cctv run`: install, uninstall, status');
  const unitOptions = (c: Command) =>
    c.option('--name <name>', 'unit name (default cctv)').option('--unit-dir <dir>', 'where units go (default /etc/systemd/system)');
  unitOptions(service
    .command('install')
    .description('install and start the systemd unit (as root): system user, data folder owned by it, env file for secrets, hardening')
    .option('--print', 'write the unit to stdout instead of installing it')
    .option('--user <user>', 'the system user it runs as (created when missing; default cctv)')
    .option('--secrets-file <file>', 'KEY=value secrets for the ${VAR}s of the config: the unit\'s EnvironmentFile (default cctv.env beside the config)')
    .option('--no-start', 'write the unit without enabling and starting it'))
    .addHelpText('after', examples('sudo cctv --config /etc/cctv/cctv.config.yaml service install', 'cctv service install --print > cctv.service'))
    .action(lazy(async () => (await import('./commands/service.js')).serviceInstall, () => ['dataDir', 'storage.url']));
  unitOptions(service
    .command('uninstall')
    .description('stop, disable and remove the unit (the user, config and data stay)'))
    .action(lazy(async () => (await import('./commands/service.js')).serviceUninstall, USES.none));
  unitOptions(service
    .command('status')
    .description("systemd's view of the unit (active, restarts, since); exit 1 when not installed or not active")
    .option('--json', 'one JSON object on stdout'))
    .action(lazy(async () => (await import('./commands/service.js')).serviceStatus, USES.none));

  program
    .command('backup')
    .description('an online copy of the catalog (safe while cctv run writes), integrity-checked')
    .argument('[file]', 'where the copy goes (default <dataDir>/backups/catalog-<time>.db; never overwritten)')
    .option('--json', 'the result as one JSON object')
    .addHelpText('after', examples('cctv backup', 'cctv backup /mnt/usb/cctv-catalog.db'))
    .action(lazy(async () => (await import('./commands/catalog.js')).backup, USES.catalog));

  program
    .command('catalog')
    .description('catalog care')
    .command('rebuild')
    .description('a new catalog from the recordings on disk and the stored clips\' manifests, for the day catalog.db is lost')
    .option('--json', 'the result as one JSON object')
    .addHelpText('after', examples('cctv catalog rebuild'))
    .action(lazy(async () => (await import('./commands/catalog.js')).catalogRebuild, () => ['dataDir', 'storage']));

  program
    .command('completion')
    .description('print a shell completion script: bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examples(
      'source <(cctv completion bash)                 this shell; add it to ~/.bashrc to keep it',
      'cctv completion zsh > "${fpath[1]}/_cctv"      zsh',
      'cctv completion fish > ~/.config/fish/completions/cctv.fish',
    ))
    .action(async (shell: string) => {
      const { completionScript } = await import('./lib/completion.js');
      process.stdout.write(completionScript(program, shell));
    });

  return program;
}

async function makeContext(opts: { config?: string; logLevel?: string; logFormat?: string; strict?: boolean }, uses: readonly string[]): Promise<CommandContext> {
  if (opts.logLevel) setLogLevel(opts.logLevel);
  setLogFormat((opts.logFormat as LogFormat | undefined) ?? defaultLogFormat());
  const { config, filepath, unset } = await loadConfig({ explicit: opts.config });
  requireEnv(unset, uses);
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
  // The next stage of the pipe is gone: stop as on SIGTERM (nothing more can be delivered), exit 141 like SIGPIPE.
  const writer = new RecordWriter(process.stdout, () => {
    stdoutClosed = true;
    log.warn('stdout closed (the next stage of the pipe is gone): stopping');
    controller.abort('stdout closed');
  });
  let db: Db | undefined;
  process.on('exit', () => db?.close());
  const ctx: CommandContext = {
    config,
    configPath: filepath,
    get catalog() {
      db ??= openDb(config.dataDir);
      return db;
    },
    existingCatalog() {
      return existsSync(path.join(config.dataDir, 'catalog.db')) ? ctx.catalog : null;
    },
    unset,
    write: (r) => writer.write(r),
    machineOutput: !process.stdout.isTTY,
    strict: opts.strict ?? false,
    signal: controller.signal,
  };
  return ctx;
}

/** What escaped every handler (a throw in a callback, a promise nobody awaited): its stack, redacted. */
function describeFatal(err: unknown): string {
  return redactText(err instanceof Error ? (err.stack ?? err.message) : String(err));
}

/**
 * The last line of defence: an exception thrown in a callback or a rejection nobody handled is a bug, but never a
 * silent death nor a stack with secrets in it. It is written (redacted) and the process exits 1; recorders' ffmpeg
 * processes finalise their segments by themselves (pdeathsig).
 */
function guardProcess(): void {
  const fatal = (what: string) => (err: unknown) => {
    process.stderr.write(`cctv: ${what} (a bug: please report it): ${describeFatal(err)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));
}
/** Set when stdout's reader went away: the command stopped because of it. */
let stdoutClosed = false;
/** The exit code of a command stopped by a closed stdout: 128 + SIGPIPE, what a Unix tool killed by SIGPIPE gives. */
export const EXIT_PIPE_CLOSED = 141;

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return stdoutClosed ? EXIT_PIPE_CLOSED : 0;
  } catch (err) {
    if (err instanceof PipeClosedError) return EXIT_PIPE_CLOSED; // logged when it happened
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
    process.stderr.write(`cctv: unexpected error: ${describeFatal(err)}\n`);
    return 1;
  }
}

guardProcess();
const code = await main(process.argv);
process.exitCode = code;
// A library that leaves a handle open (a socket, a timer) must not keep a finished command alive.
setTimeout(() => process.exit(code), 3000).unref();
