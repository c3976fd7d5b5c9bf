import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';

/** A real S3-protocol server (s3rver 4) in a child process, on a loopback port, with one bucket. */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  region: string;
  /** Credentials s3rver accepts; also put into process.env by startS3Server so the default AWS chain finds them. */
  env: Record<string, string>;
  /** The folder the server keeps objects in. */
  directory: string;
  /** Kills the server (an outage); the data stays. */
  pause(): Promise<void>;
  /** Starts it again on the same port and folder. */
  resume(): Promise<void>;
  /** Kills the server and deletes its folder. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const S3RVER = require.resolve('@20minutes/s3rver');

// Runs in the child: args are port, directory, bucket. Prints the bound port once listening.
const CHILD = `
const S3rver = require(${JSON.stringify(S3RVER)});
const [port, directory, bucket] = process.argv.slice(1);
new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket }] })
  .run()
  .then((addr) => console.log(JSON.stringify({ port: addr.port })), (err) => { console.error(err); process.exit(1); });
`;

/**
 * Starts s3rver under `node --openssl-legacy-provider` (without it truncated ListObjectsV2 answers 500)
 * on a free port (port 0 the first time, then the same port on resume) with a fresh temp folder.
 */
export async function startS3Server(bucket = 'cctv-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  Object.assign(process.env, env);
  let child: ChildProcess | undefined;
  let port = 0;
  const launch = async (): Promise<void> => {
    const proc = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, String(port), directory, bucket], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    port = await new Promise<number>((resolve, reject) => {
      proc.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
      proc.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${stderr}`)));
    });
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };
  await launch();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: env.AWS_REGION,
    env,
    directory,
    pause: kill,
    resume: launch,
    stop: async () => {
      await kill();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * TEST ONLY: s3rver answers bucket-level requests sent to `/bucket/` (as the SDK sends them with
 * path-style addressing) with 403 SignatureDoesNotMatch; this middleware strips the trailing slash.
 * A bug of the test server, so it lives here and not in product code.
 */
export function fixS3rverClient(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (request.path && /^\/[^/]+\/$/.test(request.path)) request.path = request.path.slice(0, -1);
      return next(args);
    },
    { step: 'build', name: 's3rverTrailingSlash' },
  );
}
