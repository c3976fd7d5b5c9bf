import { cosmiconfig } from 'cosmiconfig';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { sinkName, sinkSecrets } from '../alerts/sinks.js';
import { covers } from '../detect/labels.js';
import { UserError } from '../errors.js';
import { redactUrl, registerSecret, urlCredentials } from '../redact.js';
import { configSchema, type Config } from './schema.js';

export const CONFIG_FILES = [
  'cctv.config.yaml',
  'cctv.config.yml',
  'cctv.config.json',
  '.cctvrc',
  '.cctvrc.yaml',
  '.cctvrc.yml',
  '.cctvrc.json',
];

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null when no file was found (all defaults). */
  filepath: string | null;
  /**
   * The `${VAR}`s whose variable is not set, with the key each was in. Their values hold a placeholder: a command
   * calls requireEnv() with the keys it uses, so a variable is required only where it is used.
   */
  unset: UnsetVariable[];
}

export interface UnsetVariable {
  name: string;
  /** The key path, dotted (`serve.auth.password`, `cameras.front.url`). */
  key: string;
  /** The error a command that uses the key reports: key, file, line and the fix. */
  message: string;
}

/** A YAML document kept with its line counter, so that errors can name the line of a key. */
interface Source {
  doc?: Document;
  lines?: LineCounter;
}

/**
 * Finds and loads the configuration: `explicit` (--config), then $CCTV_CONFIG, then the first of CONFIG_FILES from
 * `cwd` upwards. `${VAR}` in string values is replaced from `env`. Relative paths (dataDir, file:// storage, dropDir)
 * (and serve.tls's files) are resolved against the config file's folder (or `cwd` without a file). Every error is a UserError that names the
 * file, the key path, the line and the fix.
 */
export async function loadConfig(opts: { explicit?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const sources = new Map<string, Source>();
  const yamlLoader = (filepath: string, content: string): unknown => {
    const lines = new LineCounter();
    const doc = parseDocument(content, { lineCounter: lines, prettyErrors: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new UserError(`${filepath}: invalid YAML at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    }
    sources.set(filepath, { doc, lines });
    return doc.toJS() ?? {};
  };
  const explorer = cosmiconfig('cctv', {
    searchPlaces: CONFIG_FILES,
    searchStrategy: 'global',
    loaders: { '.yaml': yamlLoader, '.yml': yamlLoader, noExt: yamlLoader },
  });
  const file = opts.explicit ?? env.CCTV_CONFIG;
  let result;
  try {
    result = file ? await explorer.load(path.resolve(cwd, file)) : await explorer.search(cwd);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new UserError(`config file not found: ${file} (check --config or $CCTV_CONFIG)`);
    throw new UserError(`${file ?? 'config'}: cannot be read: ${e.message}`);
  }
  const filepath = result?.filepath ?? null;
  const raw = result?.config ?? {};
  const where = (keyPath: PropertyKey[]) => describeLocation(filepath, filepath ? sources.get(filepath) : undefined, keyPath);

  const unset: UnsetVariable[] = [];
  const expanded = expandEnv(raw, env, [], (name, keyPath) => {
    unset.push({ name, key: keyPath.map(String).join('.'), message: `${where(keyPath)}: environment variable ${name} is not set (export it, or write the value)` });
  });
  const parsed = configSchema.safeParse(expanded);
  if (!parsed.success) {
    // A placeholder that fails its key's rules: the unset variable is the real problem.
    const culprit = unset.find((u) => parsed.error.issues.some((i) => keyCovers(u.key, i.path.map(String).join('.'))));
    throw new UserError(culprit?.message ?? formatIssues(parsed.error.issues, where));
  }
  const config = resolvePaths(parsed.data, filepath ? path.dirname(filepath) : cwd);
  checkCrossFields(config, where);
  registerSecrets(config);
  return { config, filepath, unset };
}

/** What an unset variable's value holds until a command that uses its key refuses to run (requireEnv). */
const placeholder = (name: string) => `cctv-unset-${name}`;

/** Replaces `${VAR}` in every string value; an unset variable leaves a placeholder and is reported to `onUnset`. */
function expandEnv(value: unknown, env: NodeJS.ProcessEnv, keyPath: PropertyKey[], onUnset: (name: string, keyPath: PropertyKey[]) => void): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v !== undefined) return v;
      onUnset(name, keyPath);
      return placeholder(name);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, [...keyPath, i], onUnset));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, [...keyPath, k], onUnset)]));
  }
  return value;
}

/** True when `pattern` (dotted, `*` matches one segment) is `key` or one of its parents, or `key` is one of its parents. */
export function keyCovers(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const n = Math.min(p.length, k.length);
  for (let i = 0; i < n; i++) if (p[i] !== '*' && p[i] !== k[i]) return false;
  return true;
}

/**
 * Throws the error of the first unset variable under one of `uses` (dotted key paths, `*` for any one segment, e.g.
 * `cameras.*.url`; `*` alone: every key). A variable in a key the running command does not read is not required.
 */
export function requireEnv(unset: readonly UnsetVariable[], uses: readonly string[]): void {
  const missing = unset.find((u) => uses.some((p) => p === '*' || keyCovers(p, u.key)));
  if (missing) throw new UserError(missing.message);
}

function describeLocation(filepath: string | null, source: Source | undefined, keyPath: PropertyKey[]): string {
  const key = keyPath.map(String).join('.') || '(top level)';
  if (!filepath) return key;
  const name = path.basename(filepath);
  // Walk up the path until a node exists (a missing key is reported at its parent).
  for (let n = keyPath.length; n >= 0 && source?.doc; n--) {
    const node = source.doc.getIn(keyPath.slice(0, n) as (string | number)[], true) as { range?: [number, number] } | undefined;
    const pair = n > 0 ? findKeyOffset(source.doc, keyPath.slice(0, n)) : undefined;
    const offset = pair ?? node?.range?.[0];
    if (offset !== undefined && source.lines) return `${key} (${name} line ${source.lines.linePos(offset).line})`;
  }
  return `${key} (${name})`;
}

/** Offset of the key itself (`segmentSeconds:`), which is what a user looks for. */
function findKeyOffset(doc: Document, keyPath: PropertyKey[]): number | undefined {
  const parent = keyPath.length === 1 ? doc.contents : doc.getIn(keyPath.slice(0, -1) as (string | number)[], true);
  const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number] } }[] } | null)?.items;
  const last = keyPath[keyPath.length - 1];
  const item = items?.find((i) => i.key?.value === last);
  return item?.key?.range?.[0];
}

function formatIssues(issues: z.core.$ZodIssue[], where: (p: PropertyKey[]) => string): string {
  const lines = issues.slice(0, 5).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((k) => `${where([...issue.path, k])}: unknown key "${k}" (check the spelling; config.example.yaml lists every key)`)
        .join('\n');
    }
    return `${where(issue.path)}: ${issue.message}`;
  });
  const more = issues.length > 5 ? `\n(and ${issues.length - 5} more)` : '';
  return `invalid configuration:\n${lines.join('\n')}${more}`;
}

function resolvePaths(config: Config, base: string): Config {
  const dataDir = path.resolve(base, config.dataDir);
  const fileUrl = (u: string) => (u.startsWith('file://') && !u.startsWith('file:///') ? `file://${path.resolve(base, u.slice(7))}` : u);
  return {
    ...config,
    dataDir,
    storage: { ...config.storage, url: fileUrl(config.storage.url ?? `file://${path.join(dataDir, 'archive')}`) },
    serve: config.serve.tls
      ? { ...config.serve, tls: { cert: path.resolve(base, config.serve.tls.cert), key: path.resolve(base, config.serve.tls.key) } }
      : config.serve,
    cameras: Object.fromEntries(
      Object.entries(config.cameras).map(([name, cam]) => [
        name,
        cam.dropDir ? { ...cam, dropDir: path.resolve(base, cam.dropDir) } : cam,
      ]),
    ),
  };
}

/** Rules that involve more than one key; each message says how to fix it. */
function checkCrossFields(config: Config, where: (p: PropertyKey[]) => string): void {
  const labels = new Set<string>(config.detect.labels);
  for (const [i, label] of config.alerts.on.entries()) {
    if (!labels.has(label)) {
      throw new UserError(`${where(['alerts', 'on', i])}: "${label}" is not in detect.labels; add it there or the alert can never fire`);
    }
  }
  if (config.storage.sseKmsKeyId && config.storage.sse !== 'aws:kms') {
    throw new UserError(`${where(['storage', 'sseKmsKeyId'])}: a KMS key is used only with storage.sse: aws:kms (now ${config.storage.sse}); set that too, or remove the key`);
  }
  checkSinks(config, where);
  if (config.storage.url?.startsWith('s3://') && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/|$)/.test(config.storage.url)) {
    throw new UserError(`${where(['storage', 'url'])}: not a valid bucket name in "${config.storage.url}" (s3://bucket/prefix)`);
  }
  const prefix = /^s3:\/\/[^/]+\/(.+?)\/*$/.exec(config.storage.url ?? '')?.[1];
  if (config.site !== undefined && config.storage.url?.startsWith('s3://') && prefix?.split('/').pop() !== config.site) {
    throw new UserError(
      `${where(['storage', 'url'])}: with site "${config.site}" the S3 URL must end with /${config.site} (s3://<bucket>/${config.site}): a site's clips are stored under <site>/clips/, the prefix its uploader identity may write (Terraform output site_storage_urls)`,
    );
  }
}

/** Sink names are unique; a sink's cameras exist; its labels can match an alert (alerts.on). */
function checkSinks(config: Config, where: (p: PropertyKey[]) => string): void {
  const names = new Set([...(config.alerts.webhook ? ['webhook'] : []), ...(config.alerts.mqtt ? ['mqtt'] : [])]);
  for (const [i, s] of config.alerts.sinks.entries()) {
    const name = sinkName(s);
    if (names.has(name)) {
      throw new UserError(`${where(['alerts', 'sinks', i])}: a second sink named "${name}": give each sink its own name (name: …)`);
    }
    names.add(name);
    for (const [j, camera] of (s.cameras ?? []).entries()) {
      if (!config.cameras[camera]) {
        throw new UserError(`${where(['alerts', 'sinks', i, 'cameras', j])}: no camera "${camera}" (configured: ${Object.keys(config.cameras).join(', ') || 'none'})`);
      }
    }
    for (const [j, label] of (s.labels ?? []).entries()) {
      if (!config.alerts.on.some((on) => covers(on, label) || covers(label, on))) {
        throw new UserError(`${where(['alerts', 'sinks', i, 'labels', j])}: "${label}" never alerts (alerts.on: ${config.alerts.on.join(', ')}); add it to alerts.on or remove it here`);
      }
    }
  }
}

function registerSecrets(config: Config): void {
  for (const cam of Object.values(config.cameras)) {
    registerSecret(cam.onvif?.password);
    // The password inside the camera's RTSP URL, as written and (when it is percent-encoded there) decoded.
    const password = urlCredentials(cam.url)?.password;
    registerSecret(password);
    if (password) registerSecret(safeDecode(password));
  }
  registerSecret(config.alerts.mqtt?.password);
  registerSecret(config.serve.auth?.password);
  for (const s of [...config.alerts.sinks, ...(config.alerts.webhook ? [config.alerts.webhook] : [])]) sinkSecrets(s).forEach(registerSecret);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The resolved configuration with secrets replaced by ***, for `cctv doctor`. */
export function redactedConfig(config: Config): unknown {
  const SECRET_KEYS = new Set(['password', 'headers', 'token', 'user', 'urls']);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactUrl(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEYS.has(k) && x !== undefined ? '***' : walk(x)]));
    }
    return v;
  };
  const out = walk(config) as Config;
  // A sink URL's path is often the secret itself (an ntfy topic, a Home Assistant webhook id, an Apprise key): show its
  // origin only.
  const origin = (url: string) => `${new URL(url).origin}/***`;
  const hook = config.alerts.webhook;
  if (hook) out.alerts.webhook = { ...out.alerts.webhook!, url: origin(hook.url) };
  out.alerts.sinks = out.alerts.sinks.map((s) => ('url' in s ? { ...s, url: origin(s.url) } : s));
  return out;
}
