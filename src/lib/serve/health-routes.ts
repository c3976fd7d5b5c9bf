import type { Db } from '../catalog/db.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { Metrics, type StageSnapshot } from '../metrics/metrics.js';
import { json, type Route } from './http.js';

/**
 * Health and metrics on the web app's address:
 *   /healthz   200 while the process answers (liveness; public)
 *   /readyz    200 when every stage runs and the catalog answers, else 503; the stages in the body (public)
 *   /metrics   Prometheus text (metrics/metrics.ts; behind sign-in when it is on: a scraper sends an API token)
 */
export interface Health {
  metrics: Metrics;
  readiness(): Readiness;
}

export interface Readiness {
  ready: boolean;
  /** Why not, in words (empty when ready). */
  problems: string[];
  stages: StageSnapshot[];
}

/** Ready when the catalog answers a query and no stage is down. */
export function readiness(db: Db, stages: StageSnapshot[]): Readiness {
  const problems: string[] = [];
  try {
    db.prepare('SELECT 1').get();
  } catch (err) {
    problems.push(`catalog: ${errorMessage(err)}`);
  }
  for (const s of stages) if (s.state !== 'running') problems.push(`${s.name}: ${s.state}`);
  return { ready: problems.length === 0, problems, stages };
}

/** The health of a plain `cctv serve`: the catalog's metrics, no stages. */
export function serveHealth(db: Db, config: Pick<Config, 'dataDir' | 'cameras'>): Health {
  const metrics = new Metrics({ db, dataDir: config.dataDir, cameras: Object.keys(config.cameras) });
  return { metrics, readiness: () => readiness(db, []) };
}

export function healthRoutes(h: Health): Route {
  return async (req, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    switch (url.pathname) {
      case '/healthz':
        return json({ status: 'ok' });
      case '/readyz': {
        const r = h.readiness();
        return json(r, r.ready ? 200 : 503);
      }
      case '/metrics':
        return new Response(await h.metrics.text(), { headers: { 'content-type': h.metrics.contentType, 'cache-control': 'no-store' } });
      default:
        return undefined;
    }
  };
}
