import { z } from 'zod';
import { detectConfigSchema } from '../detect/index.js';

/**
 * The configuration schema: every key of config.example.yaml, with its default and a description.
 * Objects are strict, so a typo is an error naming the key rather than a silently ignored setting.
 * `prefault({})` makes a missing section take the defaults of its keys.
 */
const seconds = (min: number, max: number) => z.number().int().min(min).max(max);
const cameraName = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const recordFormat = z.enum(['mkv', 'mp4', 'ts']);

const recordSchema = z.strictObject({
  segmentSeconds: seconds(10, 3600).default(900).describe('segment length; segments are clock-aligned'),
  format: recordFormat.default('mkv').describe('mkv (readable while growing, keeps G.711), mp4 (fragmented) or ts'),
  transport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport'),
  stallSeconds: seconds(3, 600).default(20).describe('restart ffmpeg when no new frame arrives for this long (a frozen camera)'),
  maxBackoffSeconds: seconds(1, 600).default(30).describe('cap of the exponential restart backoff'),
});

const onvifSchema = z.strictObject({
  host: z.string().min(1).describe('camera address for ONVIF'),
  port: z.number().int().min(1).max(65535).default(80),
  username: z.string().optional(),
  password: z.string().optional(),
  topics: z.array(z.string().min(1)).optional().describe('normalised labels to keep (motion, person, vehicle, …); default all but tamper'),
  topicMap: z
    .record(z.string().min(1), z.string().min(1))
    .optional()
    .describe('ONVIF topic (prefixes optional, * wildcards) → label or "ignore"; tried before the built-in vendor table'),
});

const streamUrl = z.string().regex(/^(rtsps?|https?|file):\/\//, 'must be an rtsp://, rtsps://, http(s):// or file:// URL');

const cameraSchema = z.strictObject({
  url: streamUrl.describe('the stream ffmpeg records'),
  subUrl: streamUrl.optional().describe("the camera's low-resolution sub stream (the motion source decodes it instead of url)"),
  onvif: onvifSchema.optional(),
  dropDir: z.string().min(1).optional().describe('folder the camera writes its own clips to'),
  record: recordSchema.partial().optional().describe('per-camera overrides of the record section'),
  enabled: z.boolean().default(true),
});

const eventsSchema = z.strictObject({
  preRollSeconds: seconds(0, 300).default(5),
  postRollSeconds: seconds(0, 300).default(10),
  maxEventSeconds: seconds(5, 86400).default(300).describe('a stuck alarm is closed after this'),
  mergeGapSeconds: seconds(0, 300).default(5).describe('an event that starts this soon after the last ended continues it'),
});

const storageSchema = z.strictObject({
  url: z.string().regex(/^(file|s3):\/\//, 'must start with file:// or s3://').optional()
    .describe('file://<dataDir>/archive when unset'),
  region: z.string().optional(),
  endpoint: z.string().url().optional(),
  forcePathStyle: z.boolean().default(false),
  checksums: z.enum(['when_supported', 'when_required']).default('when_supported'),
});

const uploadSchema = z.strictObject({
  mode: z.enum(['clip', 'segment']).default('clip').describe('clip: the event window only; segment: whole segments'),
  continuous: z.boolean().default(false).describe('also back up every closed segment, at lower priority'),
  concurrency: z.number().int().min(1).max(32).default(2),
});

const alertsSchema = z.strictObject({
  on: z.array(z.string().min(1)).default(['person']).describe('labels that trigger an alert, each one of detect.labels (a category such as vehicle covers its members)'),
  cooldownSeconds: seconds(0, 86400).default(60).describe('after an alert, further events of the same camera stay quiet this long'),
  maxAttempts: z.number().int().min(1).max(20).default(5)
    .describe('tries per sink and alert (backoff 1 s doubling, at most 30 s) before it is logged as failed'),
  webhook: z
    .strictObject({
      url: z.string().url().describe('receives each alert as a JSON POST (ntfy, Home Assistant webhooks, …)'),
      headers: z.record(z.string(), z.string()).optional().describe('extra request headers, e.g. Authorization'),
    })
    .optional(),
  mqtt: z
    .strictObject({
      url: z.string().regex(/^mqtts?:\/\//, 'must be an mqtt:// or mqtts:// URL'),
      topicPrefix: z.string().min(1).default('cctv').describe('<prefix>/<camera>/event (JSON) and <prefix>/<camera>/<label> (retained ON)'),
      username: z.string().optional(),
      password: z.string().optional(),
    })
    .optional(),
  publicUrl: z.string().url().optional().describe('base URL of `cctv serve` used in alert links (else presigned S3 links)'),
});

const retentionSchema = z.strictObject({
  recordingsDays: z.number().min(0).default(7),
  maxDiskGb: z.number().positive().default(500),
  keepEventsDays: z.number().min(0).default(30),
  minFreeGb: z.number().min(0).default(2).describe('emergency pruning when the disk has less free space than this'),
  remote: z.boolean().default(false)
    .describe('prune also removes stored clips past keepEventsDays; false leaves it to the store\'s lifecycle rule'),
});

const serveSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  auth: z.strictObject({ username: z.string().min(1), password: z.string().min(8, 'must be at least 8 characters') }).optional(),
  limits: z
    .strictObject({
      liveSessions: z.number().int().min(1).max(1000).default(32).describe('live streams open at once, all users (a grid is one)'),
      liveSessionsPerUser: z.number().int().min(1).max(1000).default(6).describe('live streams open at once per user'),
      remuxes: z.number().int().min(1).max(100).default(4).describe('recording playbacks and exports at once, all users (an ffmpeg each)'),
      remuxesPerUser: z.number().int().min(1).max(100).default(2).describe('recording playbacks and exports at once per user'),
    })
    .prefault({}),
});

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default('./cctv-data').describe('recordings/, catalog.db'),
  cameras: z
    .record(z.string().regex(cameraName, 'camera names are letters, digits, - and _'), cameraSchema)
    .default({}),
  record: recordSchema.prefault({}),
  events: eventsSchema.prefault({}),
  storage: storageSchema.prefault({}),
  upload: uploadSchema.prefault({}),
  detect: detectConfigSchema,
  alerts: alertsSchema.prefault({}),
  retention: retentionSchema.prefault({}),
  serve: serveSchema.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
export type RecordConfig = z.infer<typeof recordSchema>;
export type RecordFormat = z.infer<typeof recordFormat>;
