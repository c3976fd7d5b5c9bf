import { z } from 'zod';
import { configSchema, type Config } from '../lib/config/schema.js';
import { UserError } from '../lib/errors.js';
import { registerSecret } from '../lib/redact.js';
import { siteNameProblem } from '../lib/sites.js';

/**
 * The hooks' environment (set by infra/terraform/lambda.tf) parsed with zod into the shapes the library uses:
 * a partial cctv `Config` run through `configSchema`, so the hooks validate and default exactly like
 * `cctv.config.yaml` does. Every error names the variable to fix.
 */

export type Env = Record<string, string | undefined>;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

const commonEnv = z.object({
  CCTV_STORAGE_URL: z.string({ error: 'is required (s3://bucket or s3://bucket/prefix)' }).regex(/^s3:\/\//, 'must be s3://bucket or s3://bucket/prefix'),
  CCTV_FFMPEG_PATH: z.string().min(1).optional(),
  CCTV_FFPROBE_PATH: z.string().min(1).optional(),
  CCTV_LOG_LEVEL: z.enum(LEVELS).optional(),
  /** Set by Lambda. */
  AWS_REGION: z.string({ error: 'is required (Lambda sets it)' }).min(1),
  /** Not set by the Terraform: S3-compatible servers, VPC endpoints, tests. */
  CCTV_STORAGE_ENDPOINT: z.url().optional(),
  CCTV_STORAGE_FORCE_PATH_STYLE: bool.optional(),
});

const transcodeEnv = commonEnv.extend({
  CCTV_CLIP_TAG: z
    .string()
    .default('class=clip')
    .transform((v, ctx) => {
      const tags = Object.fromEntries(new URLSearchParams(v));
      if (Object.keys(tags).length === 0 || Object.entries(tags).some(([k, x]) => !k || !x)) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not key=value[&key=value]` });
        return z.NEVER;
      }
      return tags;
    }),
});

const analyzeEnv = commonEnv.extend({
  CCTV_DETECTOR: z.literal('rekognition', { error: 'must be rekognition (the only detector available in AWS)' }).default('rekognition'),
  CCTV_DETECT_LABELS: z.string().optional(),
  CCTV_MIN_CONFIDENCE: z.coerce.number().optional(),
  CCTV_ALERT_LABELS: z.string().optional(),
  CCTV_MAX_FRAMES: z.coerce.number().optional(),
  CCTV_SNS_TOPIC_ARN: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN').optional(),
  CCTV_WEBHOOK_URL: z.string().optional(),
  /** alerts.publicUrl: the hosted app's address; alert links then open its media routes. */
  CCTV_ALERT_PUBLIC_URL: z.string().optional(),
  /** alerts.presignSeconds: without a public URL, how long presigned alert links stay valid. */
  CCTV_ALERT_PRESIGN_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).optional(),
  CCTV_LOCAL_GRACE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (off) or more')
    .max(600, 'must be at most 600 (the function must outlive it)')
    .default(30),
  /** Not set by the Terraform: VPC endpoints or test servers. */
  CCTV_REKOGNITION_ENDPOINT: z.string().optional(),
  CCTV_SNS_ENDPOINT: z.url().optional(),
});

const siteName = z.string().refine((v) => siteNameProblem(v) === null, { error: (i) => siteNameProblem(String(i.input)) ?? 'not a site name' });

const indexerEnv = commonEnv.extend({
  CCTV_EVENTS_TABLE: z.string({ error: 'is required (the DynamoDB table of the event index)' }).regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  /** The sites a reindex invocation without its own list walks (`<site>/clips/`), comma-separated. */
  CCTV_SITES: z.string().default('').transform((v, ctx) => {
    const sites = list(v);
    for (const s of sites) {
      const problem = siteNameProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `${s}: ${problem}` });
    }
    return sites;
  }),
  /** The site of 0.1 keys (`clips/…` without a site); unset: they are not indexed. */
  CCTV_LEGACY_SITE: siteName.optional(),
  /** Index entries expire this many days after their start (the bucket's expiry). */
  CCTV_INDEX_EXPIRE_DAYS: z.coerce.number().int('must be a whole number of days').min(1).max(36500).optional(),
  /** Not set by the Terraform: DynamoDB-compatible servers, VPC endpoints, tests. */
  CCTV_DYNAMODB_ENDPOINT: z.url().optional(),
});

/** Which variable a config key came from (for error messages). */
const SOURCE: Record<string, string> = {
  'storage.url': 'CCTV_STORAGE_URL',
  'storage.endpoint': 'CCTV_STORAGE_ENDPOINT',
  'detect.detector': 'CCTV_DETECTOR',
  'detect.labels': 'CCTV_DETECT_LABELS',
  'detect.minConfidence': 'CCTV_MIN_CONFIDENCE',
  'detect.maxFramesPerEvent': 'CCTV_MAX_FRAMES',
  'detect.endpoint': 'CCTV_REKOGNITION_ENDPOINT',
  'alerts.on': 'CCTV_ALERT_LABELS',
  'alerts.webhook.url': 'CCTV_WEBHOOK_URL',
  'alerts.publicUrl': 'CCTV_ALERT_PUBLIC_URL',
  'alerts.presignSeconds': 'CCTV_ALERT_PRESIGN_SECONDS',
};

function fail(hook: string, issues: readonly z.core.$ZodIssue[], name: (path: PropertyKey[]) => string): never {
  const lines = issues.map((i) => `${name(i.path)}: ${i.message}`);
  throw new UserError(`cctv ${hook} hook: invalid environment:\n${lines.join('\n')}`);
}

function parseEnv<S extends z.ZodType>(hook: string, schema: S, env: Env): z.infer<S> {
  const r = schema.safeParse(env);
  if (!r.success) fail(hook, r.error.issues, (p) => String(p[0]));
  return r.data;
}

function toConfig(hook: string, partial: Record<string, unknown>): Config {
  const r = configSchema.safeParse(partial);
  if (!r.success) {
    fail(hook, r.error.issues, (p) => {
      const key = p.filter((x) => typeof x === 'string').join('.');
      const hit = Object.keys(SOURCE).find((k) => key === k || key.startsWith(`${k}.`));
      return hit ? `${SOURCE[hit]} (${key})` : key;
    });
  }
  return r.data;
}

export interface HookCommon {
  config: Config;
  region: string;
  ffmpegPath?: string;
  ffprobePath?: string;
  logLevel?: string;
}

function common(hook: string, e: z.infer<typeof commonEnv>, extra: Record<string, unknown>): HookCommon {
  const config = toConfig(hook, {
    dataDir: '/tmp/cctv',
    storage: {
      url: e.CCTV_STORAGE_URL,
      region: e.AWS_REGION,
      ...(e.CCTV_STORAGE_ENDPOINT ? { endpoint: e.CCTV_STORAGE_ENDPOINT } : {}),
      ...(e.CCTV_STORAGE_FORCE_PATH_STYLE !== undefined ? { forcePathStyle: e.CCTV_STORAGE_FORCE_PATH_STYLE } : {}),
    },
    ...extra,
  });
  return {
    config,
    region: e.AWS_REGION,
    ...(e.CCTV_FFMPEG_PATH ? { ffmpegPath: e.CCTV_FFMPEG_PATH } : {}),
    ...(e.CCTV_FFPROBE_PATH ? { ffprobePath: e.CCTV_FFPROBE_PATH } : {}),
    ...(e.CCTV_LOG_LEVEL ? { logLevel: e.CCTV_LOG_LEVEL } : {}),
  };
}

export interface TranscodeSettings extends HookCommon {
  /** Tags a rewritten clip gets back (a PutObject replaces tags), from CCTV_CLIP_TAG. */
  clipTags: Record<string, string>;
}

export function transcodeSettings(env: Env): TranscodeSettings {
  const e = parseEnv('transcode', transcodeEnv, env);
  return { ...common('transcode', e, {}), clipTags: e.CCTV_CLIP_TAG };
}

export interface AnalyzeSettings extends HookCommon {
  /** CCTV_LOCAL_GRACE_SECONDS: how long an unsettled new manifest waits for an on-premise analysis (0 = off). */
  localGraceSeconds: number;
  snsTopicArn?: string;
  snsEndpoint?: string;
}

export function analyzeSettings(env: Env): AnalyzeSettings {
  const e = parseEnv('analyze', analyzeEnv, env);
  const labels = list(e.CCTV_DETECT_LABELS);
  const settings = common('analyze', e, {
    detect: {
      detector: e.CCTV_DETECTOR,
      ...(labels.length > 0 ? { labels } : {}),
      ...(e.CCTV_MIN_CONFIDENCE !== undefined ? { minConfidence: e.CCTV_MIN_CONFIDENCE } : {}),
      ...(e.CCTV_MAX_FRAMES !== undefined ? { maxFramesPerEvent: e.CCTV_MAX_FRAMES } : {}),
      ...(e.CCTV_REKOGNITION_ENDPOINT ? { endpoint: e.CCTV_REKOGNITION_ENDPOINT } : {}),
      region: e.AWS_REGION,
    },
    // Unset: the schema default ([person]); set but empty: never alert.
    alerts: {
      ...(e.CCTV_ALERT_LABELS !== undefined ? { on: list(e.CCTV_ALERT_LABELS) } : {}),
      ...(e.CCTV_WEBHOOK_URL ? { webhook: { url: e.CCTV_WEBHOOK_URL } } : {}),
      ...(e.CCTV_ALERT_PUBLIC_URL ? { publicUrl: e.CCTV_ALERT_PUBLIC_URL } : {}),
      ...(e.CCTV_ALERT_PRESIGN_SECONDS !== undefined ? { presignSeconds: e.CCTV_ALERT_PRESIGN_SECONDS } : {}),
    },
  });
  const { config } = settings;
  // The same cross-field rule as cctv.config.yaml (and the Terraform precondition).
  const missing = config.alerts.on.filter((l) => !(config.detect.labels as readonly string[]).includes(l));
  if (missing.length > 0) {
    throw new UserError(`cctv analyze hook: invalid environment:\nCCTV_ALERT_LABELS: ${missing.join(', ')} not in CCTV_DETECT_LABELS; add them there or the alert can never fire`);
  }
  registerSecret(e.CCTV_WEBHOOK_URL); // it may carry a token
  return {
    ...settings,
    localGraceSeconds: e.CCTV_LOCAL_GRACE_SECONDS,
    ...(e.CCTV_SNS_TOPIC_ARN ? { snsTopicArn: e.CCTV_SNS_TOPIC_ARN } : {}),
    ...(e.CCTV_SNS_ENDPOINT ? { snsEndpoint: e.CCTV_SNS_ENDPOINT } : {}),
  };
}

export interface IndexerSettings extends HookCommon {
  tableName: string;
  sites: string[];
  legacySite: string | null;
  expireAfterDays?: number;
  dynamodbEndpoint?: string;
}

export function indexerSettings(env: Env): IndexerSettings {
  const e = parseEnv('indexer', indexerEnv, env);
  return {
    ...common('indexer', e, {}),
    tableName: e.CCTV_EVENTS_TABLE,
    sites: e.CCTV_SITES,
    legacySite: e.CCTV_LEGACY_SITE ?? null,
    ...(e.CCTV_INDEX_EXPIRE_DAYS !== undefined ? { expireAfterDays: e.CCTV_INDEX_EXPIRE_DAYS } : {}),
    ...(e.CCTV_DYNAMODB_ENDPOINT ? { dynamodbEndpoint: e.CCTV_DYNAMODB_ENDPOINT } : {}),
  };
}
