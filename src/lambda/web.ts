import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamoEventCatalog } from '../lib/catalog/dynamodb/catalog.js';
import { dynamoSessionStore } from '../lib/catalog/hosted-sessions.js';
import { errorMessage } from '../lib/errors.js';
import { setLogLevel } from '../lib/log.js';
import { createApp, type App } from '../lib/serve/app.js';
import { cognitoAuthenticator } from '../lib/serve/auth/cognito.js';
import { DEFAULT_SESSION_POLICY } from '../lib/serve/auth/session-policy.js';
import { functionUrlHandler, type FunctionUrlEvent, type FunctionUrlResult } from '../lib/serve/function-url.js';
import type { HostedSite } from '../lib/serve/hosted-routes.js';
import { PRESIGN_SECONDS, presignOrigin } from '../lib/serve/media.js';
import { SITE_PATTERN } from '../lib/sites.js';
import { S3Storage, type Storage } from '../lib/storage/index.js';

/**
 * The hosted web app (issue 15): the same App as `cctv serve`, behind a Lambda function URL that only CloudFront may
 * call (function-url.ts). Its settings are one JSON SSM parameter (Terraform web.tf writes it; its name is the
 * function's only variable, CCTV_WEB_SETTINGS): the distribution's name and the user pool's ids are there and not in
 * the function's environment, where they would make a dependency cycle (function → URL → distribution → function).
 * Read once per container, at its first request; a bad parameter fails that request with the key to fix, in the log.
 */

const HOUR_MS = 3_600_000;

export const webSettingsSchema = z.strictObject({
  /** The app's origin as browsers see it: https://<distribution>.cloudfront.net (or its alias). */
  publicOrigin: z.url({ protocol: /^https$/, error: 'must be the https:// origin of the CloudFront distribution' }).transform((u) => new URL(u).origin),
  userPoolId: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d_[A-Za-z0-9]+$/, 'must be a user pool id such as eu-west-2_AbCdEf123'),
  clientId: z.string().regex(/^[a-z0-9]{1,128}$/, 'must be the app client id'),
  /** The pool's sign-in domain, https://<prefix>.auth.<region>.amazoncognito.com. */
  cognitoDomain: z.url({ protocol: /^https?$/, error: 'must be the https:// URL of the pool\'s domain' }),
  /** Where every site's clips are: s3://<bucket> or s3://<bucket>/<key_prefix> (a site's under <site>/clips/). */
  storageUrl: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://<bucket> or s3://<bucket>/<prefix>'),
  eventsTable: z.string().min(3),
  sessionsTable: z.string().min(3),
  sites: z.array(z.string().regex(SITE_PATTERN, 'each must be a site name (lowercase letters, digits, inner hyphens)')).min(1),
  adminGroup: z.string().min(1).default('admins'),
  presignSeconds: z.number().int().min(2).max(3600).default(PRESIGN_SECONDS),
  sessionIdleHours: z.number().positive().max(24 * 365).default(DEFAULT_SESSION_POLICY.idleMs / HOUR_MS),
  sessionMaxDays: z.number().positive().max(365).default(DEFAULT_SESSION_POLICY.absoluteMs / HOUR_MS / 24),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});
export type WebSettings = z.infer<typeof webSettingsSchema>;

/** Pure: the settings parameter's value parsed; an Error naming each bad key. */
export function parseWebSettings(json: string, parameter: string): WebSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`${parameter}: not JSON`);
  }
  const r = webSettingsSchema.safeParse(raw);
  if (!r.success) throw new Error(`${parameter}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
  return r.data;
}

/** Reads and parses the settings parameter. */
export async function loadWebSettings(ssm: SSMClient, parameter: string): Promise<WebSettings> {
  const out = await ssm.send(new GetParameterCommand({ Name: parameter }));
  return parseWebSettings(out.Parameter?.Value ?? '', parameter);
}

/** What a test (or another runtime) may hand the handler instead of AWS's own. */
export interface WebDeps {
  env?: Record<string, string | undefined>;
  ssm?: SSMClient;
  dynamo?: DynamoDBClient;
  /** The storage of storageUrl (default: S3 in the function's region). */
  storage?: Storage;
  /** The pool's JWKS from somewhere else than the pool (a test's OIDC stand-in). */
  jwksUrl?: string;
}

/** The App the settings describe. */
export async function hostedApp(settings: WebSettings, deps: WebDeps = {}): Promise<App> {
  const region = (deps.env ?? process.env).AWS_REGION ?? 'us-east-1'; // Lambda always sets it
  const dynamo = deps.dynamo ?? new DynamoDBClient({ region });
  // One storage for every site: a clip is reached only through its site's catalog, which holds its URL.
  const storage = deps.storage ?? new S3Storage(settings.storageUrl, { region, checksums: 'when_required' });
  const sites: Record<string, HostedSite> = Object.fromEntries(
    settings.sites.map((site) => [site, { catalog: dynamoEventCatalog({ client: dynamo, tableName: settings.eventsTable, site }), storage }]),
  );
  const policy = { ...DEFAULT_SESSION_POLICY, idleMs: settings.sessionIdleHours * HOUR_MS, absoluteMs: settings.sessionMaxDays * 24 * HOUR_MS };
  const authenticator = cognitoAuthenticator({
    userPoolId: settings.userPoolId, clientId: settings.clientId, domain: settings.cognitoDomain, publicOrigin: settings.publicOrigin,
    sessions: dynamoSessionStore(DynamoDBDocumentClient.from(dynamo), settings.sessionsTable), adminGroup: settings.adminGroup, policy,
    ...(deps.jwksUrl ? { jwksUrl: deps.jwksUrl } : {}),
  });
  const mediaOrigins = await presignOrigin(storage);
  return createApp({ sites, authenticator, presignSeconds: settings.presignSeconds, mediaOrigins });
}

export type WebHandler = (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;

/** The function-URL handler; settings are read at the first request of a container (again after a failure). */
export function createWebHandler(deps: WebDeps = {}): WebHandler {
  let ready: Promise<WebHandler> | undefined;
  const init = async (): Promise<WebHandler> => {
    const env = deps.env ?? process.env;
    const parameter = env.CCTV_WEB_SETTINGS;
    if (!parameter) throw new Error('CCTV_WEB_SETTINGS: the name of the settings parameter is required (Terraform web.tf sets it)');
    const settings = await loadWebSettings(deps.ssm ?? new SSMClient({ region: env.AWS_REGION }), parameter);
    setLogLevel(settings.logLevel);
    return functionUrlHandler(await hostedApp(settings, deps), new URL(settings.publicOrigin).host);
  };
  return async (event) => {
    ready ??= init().catch((err: unknown) => {
      ready = undefined;
      throw new Error(`web app settings: ${errorMessage(err)}`);
    });
    return (await ready)(event);
  };
}

export const handler = createWebHandler();
