import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { EventCatalog } from '../catalog/event-catalog.js';
import { recordedEnds } from '../clips/cut.js';
import { planCut, type CutPlan } from '../clips/window.js';
import { exportArgs } from '../ffmpeg/args.js';
import { probeMedia } from '../ffmpeg/probe.js';
import { concatStream } from '../ffmpeg/stream.js';
import type { Span } from '../time.js';

/**
 * Exports: a time range of one or more cameras as one MP4 per camera (video copied, never re-encoded; across segment
 * boundaries and gaps, which are joined and listed), with a manifest of what each file holds and its sha256, so
 * someone who receives the files can verify them (`sha256sum -c SHA256SUMS`). `cctv export` writes them to a folder;
 * the web app streams them as a zip. Both go through exportPlan → exportStream → exportManifest.
 */

export interface CameraExport {
  camera: string;
  /** The file name in the export: `<camera>-<from>.mp4` (UTC, no colons). */
  file: string;
  plan: CutPlan;
}

export interface ExportPlan {
  span: Span;
  /** Cameras with something recorded in the span, in the order asked. */
  cameras: CameraExport[];
  /** Cameras asked for that recorded nothing in the span. */
  empty: string[];
}

/** cctv's version, read when an export is made (the web Lambda's bundle has no package.json and makes none). */
const cctvVersion = () => (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');

/** What an export of `span` holds for each camera (the recordings that cover it, the gaps). */
export async function exportPlan(catalog: EventCatalog, dataDir: string, cameras: readonly string[], span: Span): Promise<ExportPlan> {
  const out: ExportPlan = { span, cameras: [], empty: [] };
  for (const camera of [...new Set(cameras)]) {
    const plan = planCut(await recordedEnds(dataDir, await catalog.recordings(camera, span), span), span);
    if (plan.pieces.length === 0) out.empty.push(camera);
    else out.cameras.push({ camera, file: `${camera}-${stamp(span.fromMs)}.mp4`, plan });
  }
  return out;
}

/** The MP4 of one camera's part of an export, as a stream (fragmented MP4, bit-exact muxing: see exportArgs). */
export async function exportStream(dataDir: string, c: CameraExport): Promise<ReadableStream<Uint8Array>> {
  const media = await probeMedia(path.join(dataDir, c.plan.pieces[0]!.path));
  return (await concatStream(dataDir, c.plan.pieces, exportArgs(media))).body;
}

/** `stream` passed through a hash: `done` resolves with its sha256 and byte count once all of it went through. */
export function hashing(stream: ReadableStream<Uint8Array>): { stream: Readable; done: Promise<{ sha256: string; bytes: number }> } {
  const hash = createHash('sha256');
  let bytes = 0;
  let settle!: (r: { sha256: string; bytes: number }) => void;
  let fail!: (err: Error) => void;
  const done = new Promise<{ sha256: string; bytes: number }>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const through = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      settle({ sha256: hash.digest('hex'), bytes });
      cb();
    },
  });
  through.once('error', fail);
  done.catch(() => {}); // the stream's consumer sees the error too; an unawaited `done` must not be an unhandled rejection
  const source = Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>);
  source.once('error', (err) => through.destroy(err));
  source.pipe(through);
  return { stream: through, done };
}

export interface ExportedFile {
  file: string;
  camera: string;
  sha256: string;
  bytes: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The manifest (manifest.json) of an export: what was asked, what each file holds, its sha256. */
export function exportManifest(plan: ExportPlan, files: readonly ExportedFile[], createdMs: number) {
  return {
    kind: 'cctv-export',
    version: 1,
    cctv: cctvVersion(),
    created: iso(createdMs),
    from: iso(plan.span.fromMs),
    to: iso(plan.span.toMs),
    files: files.map((f) => {
      const c = plan.cameras.find((x) => x.file === f.file)!;
      return {
        file: f.file, camera: f.camera, sha256: f.sha256, bytes: f.bytes,
        recorded: c.plan.pieces.map((p) => ({ start: iso(p.fromMs), end: iso(p.toMs), source: p.path })),
        gaps: c.plan.gaps.map((g) => ({ start: iso(g.fromMs), end: iso(g.toMs) })),
        note: 'video copied from the recordings, not re-encoded; gaps are joined (the file is shorter than the range by them)',
      };
    }),
    empty: plan.empty,
    verify: 'sha256sum -c SHA256SUMS',
  };
}

/** `SHA256SUMS` (the format `sha256sum -c` reads): one `<hex>  <file>` line per file. */
export function sha256sums(files: readonly { file: string; sha256: string }[]): string {
  return files.map((f) => `${f.sha256}  ${f.file}\n`).join('');
}

/** The two files that end an export: manifest.json, and SHA256SUMS over the MP4s and the manifest. */
export function exportIndex(plan: ExportPlan, files: readonly ExportedFile[], createdMs = Date.now()): { manifest: Buffer; sums: Buffer } {
  const manifest = Buffer.from(`${JSON.stringify(exportManifest(plan, files, createdMs), null, 2)}\n`);
  const own = { file: 'manifest.json', sha256: createHash('sha256').update(manifest).digest('hex') };
  return { manifest, sums: Buffer.from(sha256sums([...files, own])) };
}
