import { isIP } from 'node:net';
import { z } from 'zod';
import { sinkConfigSchema } from '../alerts/sinks.js';
import { webhookOptionsSchema } from '../alerts/webhook.js';
import { detectConfigSchema } from '../detect/index.js';
import { cameraMotionSchema, motionDefaultsSchema } from '../motion/config.js';
import { siteNameProblem } from '../sites.js';

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
  motion: cameraMotionSchema.optional(),
  record: recordSchema.partial().optional().describe('per-camera overrides of the record section'),
  enabled: z.boolean().default(true),
});

const eventsSchema = z.strictObject({
  preRollSeconds: seconds(0, 300).default(5),
  postRollSeconds: seconds(0, 300).default(10),
  maxEventSeconds: seconds(5, 86400).default(300).describe('a stuck alarm is closed after this'),
  mergeGapSeconds: seconds(0, 300).default(5).describe('an event that starts this soon after the last ended continues it'),
  motion: motionDefaultsSchema.prefault({}),
});

const storageSchema = z.strictObject({
  url: z.string().regex(/^(file|s3):\/\//, 'must start with file:// or s3://').optional()
    .describe('file://<dataDir>/archive when unset'),
  region: z.string().optional(),
  endpoint: z.string().url().optional(),
  forcePathStyle: z.boolean().default(false),
  checksums: z.enum(['when_supported', 'when_required']).default('when_supported'),
  sse: z.enum(['none', 'AES256', 'aws:kms']).default('none')
    .describe("s3 only: server-side encryption asked for on each write; none lets the bucket's default encryption apply (its KMS key too)"),
  sseKmsKeyId: z.string().min(1).optional().describe('s3 only, with sse: aws:kms: the KMS key (id, ARN or alias); default the account\'s aws/s3 key'),
});

const uploadSchema = z.strictObject({
  mode: z.enum(['clip', 'segment']).default('clip').describe('clip: the event window only; segment: whole segments'),
  continuous: z.boolean().default(false).describe('also back up every closed segment, at lower priority'),
  concurrency: z.number().int().min(1).max(32).default(2),
  drainWaitSeconds: seconds(1, 86400).default(60)
    .describe('once input has ended (a cron drain), how long storage may keep failing before upload stops and leaves the rest queued'),
});

const mqttSchema = z.strictObject({
  url: z.string().regex(/^mqtts?:\/\//, 'must be an mqtt:// or mqtts:// URL').describe('an MQTT 5 broker (Mosquitto ≥ 1.6, EMQX, HiveMQ, …)'),
  topicPrefix: z.string().min(1).regex(/^[^#+]+$/, 'no MQTT wildcards (# +)').default('cctv')
    .describe('<prefix>/<camera>/event (JSON), <prefix>/<camera>/<label> (ON/OFF), … (README: Home Assistant)'),
  username: z.string().optional(),
  password: z.string().optional(),
  discovery: z.boolean().default(true).describe('Home Assistant MQTT discovery; false also removes the devices published before'),
  discoveryPrefix: z.string().min(1).regex(/^[^#+]+$/, 'no MQTT wildcards (# +)').default('homeassistant').describe("Home Assistant's discovery prefix"),
  offAfterSeconds: seconds(5, 86400).default(60).describe('an occupancy sensor goes back OFF at the event end, or after this long at most'),
  snoozeMinutes: z.number().int().min(0).max(10080).default(0).describe("the alerts switch's OFF lasts this long (0: until switched ON)"),
  sensorsEverySeconds: seconds(5, 3600).default(60).describe('how often the recorder, last event, backlog and disk sensors are refreshed'),
});

const timeZone = z.string().min(1).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone (e.g. Europe/London, America/New_York, UTC)');

const liveSchema = z
  .strictObject({
    maxSessions: z.number().int().min(0).max(64).optional()
      .describe('events analysed live at once (0: live analysis off); default: one per two cores, at least 1'),
    sampleSeconds: z.number().min(0.2).max(5).default(0.5)
      .describe('the newest picture is examined this often from 3 s to 10 s into an event (twice as often before, half as often until 30 s, a quarter after)'),
    maxSeconds: seconds(5, 3600).default(60).describe('a live session gives up after this long (the end-of-event analysis still runs)'),
    highConfidence: z.number().min(0).max(1).default(0.85).describe('one sighting at this confidence confirms a label'),
    needed: z.number().int().min(1).max(10).default(2).describe('…else the label must be seen in `needed` of the last `of` samples'),
    of: z.number().int().min(1).max(10).default(3),
  })
  .refine((l) => l.needed <= l.of, { message: 'needed must be at most of', path: ['needed'] })
  .describe('live analysis: alerts while the event goes on, from the recording being written (mkv)');

const alertsSchema = z.strictObject({
  on: z.array(z.string().min(1)).default(['person']).describe('labels that trigger an alert, each one of detect.labels (a category such as vehicle covers its members)'),
  cooldownSeconds: seconds(0, 86400).default(60).describe('after an alert, further events of the same camera stay quiet this long'),
  maxAttempts: z.number().int().min(1).max(20).default(5)
    .describe('tries per sink and alert (backoff 1 s doubling, at most 30 s) before it is logged as failed'),
  webhook: webhookOptionsSchema.optional().describe('the generic webhook, named "webhook" (the same keys as a webhook in sinks)'),
  mqtt: mqttSchema.optional(),
  sinks: z.array(sinkConfigSchema).default([]).describe('notification sinks: ntfy, pushover, telegram, gotify, apprise, webhook'),
  timeZone: timeZone.optional().describe("time zone of the sinks' quiet hours (default: the host's)"),
  publicUrl: z.string().url().optional().describe('base URL of `cctv serve` as the recipients reach it, used in alert links (else presigned S3 links)'),
  presignSeconds: seconds(60, 604800).default(3600).describe('lifetime of presigned links in alerts, used only without publicUrl'),
  trustCameraLabels: z.boolean().default(false)
    .describe("a label the camera's own AI reports for an event (Reolink, Tapo person) alerts at once, without the detector's confirmation"),
  live: liveSchema.prefault({}),
});

const retentionSchema = z.strictObject({
  recordingsDays: z.number().min(0).default(7),
  maxDiskGb: z.number().positive().default(500),
  keepEventsDays: z.number().min(0).default(30),
  minFreeGb: z.number().min(0).default(2).describe('emergency pruning when the disk has less free space than this'),
  remote: z.boolean().default(false)
    .describe('prune also removes stored clips past keepEventsDays; false leaves it to the store\'s lifecycle rule'),
});

/** An IP address or a CIDR range (10.0.0.0/8, fd00::/8). */
const isAddressOrRange = (s: string) => {
  const [addr = '', bits, extra] = s.split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
};

const serveSchema = z.strictObject({
  host: z.string().default('127.0.0.1').describe('a non-loopback address needs sign-in (serve.auth or a user from cctv user add)'),
  port: z.number().int().min(0).max(65535).default(8080),
  auth: z
    .strictObject({ username: z.string().min(1), password: z.string().min(8, 'must be at least 8 characters') })
    .optional()
    .describe('one admin user (more users: cctv user add); sign-in is on when this is set or the catalog has a user'),
  trustedProxies: z
    .array(z.string().refine(isAddressOrRange, 'must be an IP address or a CIDR range (127.0.0.1, 10.0.0.0/8, ::1)'))
    .default([])
    .describe('reverse proxies whose Forwarded / X-Forwarded-* headers are believed (client address, TLS, host)'),
  tls: z
    .strictObject({ cert: z.string().min(1).describe('PEM certificate (chain) file'), key: z.string().min(1).describe('PEM private key file') })
    .optional()
    .describe('serve HTTPS; the files are read again on SIGHUP'),
  session: z
    .strictObject({
      idleHours: z.number().int().min(1).max(8760).default(72).describe('a session ends after this long without a request'),
      maxDays: z.number().int().min(1).max(365).default(30).describe('and this long after the sign-in, whatever happens'),
    })
    .prefault({}),
  accessLogDays: z.number().int().min(1).max(3650).default(90).describe('sign-ins, refusals and footage watched are kept this long'),
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
  site: z
    .string()
    .refine((v) => siteNameProblem(v) === null, { error: (i) => siteNameProblem(String(i.input)) ?? 'not a site name' })
    .optional()
    .describe('this installation\'s name among several sharing a bucket (stored keys <site>/clips/…; the web app and alerts name it)'),
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
