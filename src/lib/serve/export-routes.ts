import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { EventCatalog } from '../catalog/event-catalog.js';
import type { Config } from '../config/schema.js';
import { exportIndex, exportPlan, exportStream, hashing, type ExportedFile, type ExportPlan } from '../export/export.js';
import { log } from '../log.js';
import { asker, HttpError, knownCamera, timeParam, type Route } from './http.js';
import { releasing, type Limits } from './limits.js';

/**
 * Exports from the web app: /api/export?camera&from&to says what an export of that range would hold (recorded
 * spans, gaps, an estimate of its size); /media/export.zip?camera&from&to streams it as a zip (stored, not
 * compressed: video does not compress) of one MP4 per camera, manifest.json and SHA256SUMS, written as the MP4s are
 * remuxed (no temporary files). An export is one remux of `serve.limits`.
 */

/** The longest range the web app exports at once (the CLI has no limit). */
export const MAX_EXPORT_HOURS = 24;

const iso = (ms: number) => new Date(ms).toISOString();

export function exportRoutes(o: { catalog: EventCatalog; config: Pick<Config, 'dataDir' | 'cameras'>; limits: Limits; enabled: boolean }): Route {
  async function planOf(q: URLSearchParams): Promise<ExportPlan> {
    const cameras = q.getAll('camera').map((c) => knownCamera(o.config, c));
    if (cameras.length === 0) throw new HttpError(400, 'camera: at least one camera');
    const fromMs = timeParam(q.get('from'), 'from');
    const toMs = timeParam(q.get('to'), 'to');
    if (fromMs === undefined || toMs === undefined || toMs <= fromMs) throw new HttpError(400, 'from, to: the range to export, from before to');
    if (toMs - fromMs > MAX_EXPORT_HOURS * 3_600_000) throw new HttpError(400, `from, to: at most ${MAX_EXPORT_HOURS} hours at once here (cctv export has no limit)`);
    const plan = await exportPlan(o.catalog, o.config.dataDir, cameras, { fromMs, toMs });
    if (plan.cameras.length === 0) throw new HttpError(404, `nothing recorded on ${cameras.join(', ')} between ${iso(fromMs)} and ${iso(toMs)}`);
    return plan;
  }

  return async (req, url, ctx) => {
    if (url.pathname !== '/api/export' && url.pathname !== '/media/export.zip') return undefined;
    if (!o.enabled) throw new HttpError(404, 'export is not available on this host');
    const plan = await planOf(url.searchParams);
    if (url.pathname === '/api/export') {
      return Response.json({
        from: iso(plan.span.fromMs),
        to: iso(plan.span.toMs),
        cameras: plan.cameras.map((c) => ({
          camera: c.camera,
          file: c.file,
          recordedSeconds: Math.round(c.plan.pieces.reduce((s, p) => s + p.toMs - p.fromMs, 0) / 1000),
          gaps: c.plan.gaps.map((g) => ({ start: iso(g.fromMs), end: iso(g.toMs) })),
        })),
        empty: plan.empty,
      }, { headers: { 'cache-control': 'no-store' } });
    }
    const name = `cctv-export-${iso(plan.span.fromMs).replace(/[:.]/g, '-')}.zip`;
    const headers = { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' };
    if (req.method === 'HEAD') return new Response(null, { headers });
    const release = o.limits.acquire('remux', asker(ctx).name, req.signal);
    const zip = new yazl.ZipFile();
    const out = zip.outputStream as unknown as Readable;
    const abort = new AbortController();
    void fillZip(zip, plan, o.config.dataDir, abort.signal).catch((err: Error) => {
      log.warn({ err: err.message }, 'export failed');
      out.destroy(err);
    });
    const body = Readable.toWeb(out) as ReadableStream<Uint8Array>;
    return new Response(releasing(body, () => {
      abort.abort();
      release();
    }), { headers });
  };
}

/** Adds each camera's MP4 (hashed as it streams), then manifest.json and SHA256SUMS, then ends the zip. */
async function fillZip(zip: yazl.ZipFile, plan: ExportPlan, dataDir: string, signal: AbortSignal): Promise<void> {
  const files: ExportedFile[] = [];
  const mtime = new Date();
  for (const c of plan.cameras) {
    if (signal.aborted) return;
    const { stream, done } = hashing(await exportStream(dataDir, c));
    signal.addEventListener('abort', () => stream.destroy(), { once: true });
    zip.addReadStream(stream, c.file, { compress: false, mtime });
    files.push({ file: c.file, camera: c.camera, ...(await done) });
  }
  const { manifest, sums } = exportIndex(plan, files);
  zip.addBuffer(manifest, 'manifest.json', { compress: false, mtime });
  zip.addBuffer(sums, 'SHA256SUMS', { compress: false, mtime });
  zip.end();
}
