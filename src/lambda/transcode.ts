import './ffmpeg-env.js'; // first: maps CCTV_FFMPEG_PATH before src/lib/ffmpeg/run.ts loads
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePoster } from '../lib/clips/cut.js';
import { h264Args, remuxArgs } from '../lib/ffmpeg/args.js';
import { probeMedia } from '../lib/ffmpeg/probe.js';
import { runFfmpeg } from '../lib/ffmpeg/run.js';
import { setLogLevel } from '../lib/log.js';
import { NotFoundError, type Storage } from '../lib/storage/index.js';
import { parseClipKey } from '../lib/sites.js';
import { eachObject, hookStorage, storageKey, type HookDeps, type Outcome } from './common.js';
import { TRANSCODED_META, faststartFromHead, needsPoster, planTranscode } from './policy.js';
import { transcodeSettings, type TranscodeSettings } from './env.js';
import { createdObjects, type CreatedObject, type S3Event } from './s3-event.js';

/**
 * The transcode hook: S3 → `clips/…/<id>.mp4`. Makes the clip play in browsers with the library's own ffmpeg
 * builders: H.265 (or any codec browsers lack) → H.264 (h264Args), other containers, G.711 audio or a moov box at
 * the end → faststart remux (remuxArgs, video copied); a poster (makePoster) for clips that cctv did not store
 * (cctv uploads its own poster). A clip cctv cut (faststart H.264) is never rewritten: the hook reads its first
 * 64 KiB and lets ffprobe read the header through a presigned URL, and writes nothing.
 *
 * No recursion: the rewrite (same key, tagged again with CCTV_CLIP_TAG since a PutObject drops tags) carries the
 * metadata `cctv-transcoded`; the event it fires, like any repeated event, stops at the HeadObject. Posters
 * (`.jpg`) trigger nothing, and the role cannot write manifests, so it cannot start the analyze hook.
 */

const HEAD_BYTES = 64 * 1024;
/** ffmpeg time limit for one clip (the function's own timeout is the outer bound). */
const FFMPEG_TIMEOUT_MS = 10 * 60_000;

interface Hook {
  settings: TranscodeSettings;
  storage: Storage;
}

export function createTranscodeHandler(deps: HookDeps = {}): (event: S3Event) => Promise<{ results: Outcome[] }> {
  let hook: Hook | undefined;
  return async (event) => {
    hook ??= init(deps);
    const h = hook;
    return { results: await eachObject(createdObjects(event), (o) => transcodeObject(h, o)) };
  };
}

function init(deps: HookDeps): Hook {
  const settings = transcodeSettings(deps.env ?? process.env);
  if (settings.logLevel) setLogLevel(settings.logLevel);
  return { settings, storage: deps.storage ?? hookStorage(settings.config) };
}

async function readHead(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key, { start: 0, end: HEAD_BYTES - 1 })) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES);
}

async function transcodeObject(h: Hook, o: CreatedObject): Promise<Outcome> {
  const { storage } = h;
  const key = storageKey(storage, o);
  const parts = key === null ? null : parseClipKey(key);
  if (key === null || parts?.ext !== 'mp4') return { key: o.key, outcome: 'ignored' };
  const stat = await storage.stat(key).catch((err: unknown) => {
    if (err instanceof NotFoundError) return null;
    throw err;
  });
  if (stat === null) return { key, outcome: 'skipped', reason: 'gone' };
  if (stat.metadata[TRANSCODED_META] !== undefined) return { key, outcome: 'skipped', reason: 'already-rewritten' };

  const source = (await storage.presign(key, 900)) ?? fileURLToPath(storage.urlFor(key));
  const [head, media] = await Promise.all([readHead(storage, key), probeMedia(source)]);
  const plan = planTranscode(media, faststartFromHead(head), stat.metadata);
  const poster = needsPoster(stat.metadata);
  if (plan.action === 'none' && !poster) return { key, outcome: 'unchanged', reason: plan.reason };

  const workDir = await mkdtemp(path.join(tmpdir(), 'cctv-transcode-'));
  try {
    let video = source;
    if (plan.action !== 'none') {
      const out = path.join(workDir, 'clip.mp4');
      await runFfmpeg(plan.action === 'h264' ? h264Args(source, out, media) : remuxArgs(source, out, media), { timeoutMs: FFMPEG_TIMEOUT_MS });
      const { sha256: original, ...kept } = stat.metadata;
      await storage.put(key, { path: out }, {
        contentType: 'video/mp4',
        metadata: { ...kept, [TRANSCODED_META]: plan.action, ...(original ? { 'source-sha256': original } : {}) },
      });
      await storage.setTags(key, h.settings.clipTags);
      video = out;
    }
    let posterKey: string | null = null;
    if (poster) {
      const duration = (video === source ? media.durationSeconds : (await probeMedia(video)).durationSeconds) ?? 0;
      const file = path.join(workDir, 'poster.jpg');
      await makePoster(video, duration / 2, duration, file);
      posterKey = `${parts.base}.jpg`;
      await storage.put(posterKey, { path: file }, { contentType: 'image/jpeg', metadata: stat.metadata.camera ? { camera: stat.metadata.camera } : {} });
    }
    return { key, outcome: plan.action === 'none' ? 'poster' : plan.action, reason: plan.reason, poster: posterKey };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The Lambda entry point (`index.handler` in dist/lambda/transcode.zip). */
export const handler = createTranscodeHandler();
