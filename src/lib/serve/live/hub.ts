import type { Config } from '../../config/schema.js';
import { HttpError } from '../http.js';
import { LiveSource, type LiveViewer } from './source.js';

export type LiveStream = 'main' | 'sub';

/**
 * The live sources of a server: at most one per camera and stream (main: `url`; sub: `subUrl`, or `url` for a camera
 * without one), created by the first viewer and forgotten when it stops after its last viewer.
 */
export class LiveHub {
  private readonly sources = new Map<string, LiveSource>();
  private readonly lingerMs: number;

  constructor(
    private readonly config: Pick<Config, 'cameras' | 'record'>,
    opts: { lingerMs?: number | undefined } = {},
  ) {
    this.lingerMs = opts.lingerMs ?? 5000;
  }

  /** Adds a viewer of `camera`'s `stream`; returns the function that removes it. 404 for an unknown camera. */
  watch(camera: string, stream: LiveStream, viewer: LiveViewer): () => void {
    const cam = this.config.cameras[camera];
    if (!cam) throw new HttpError(404, `no camera ${JSON.stringify(camera)}`);
    const key = `${camera}\0${stream}`;
    let source = this.sources.get(key);
    if (!source) {
      const created = new LiveSource({
        camera, stream,
        url: stream === 'sub' ? (cam.subUrl ?? cam.url) : cam.url,
        transport: cam.record?.transport ?? this.config.record.transport,
        lingerMs: this.lingerMs,
        onIdle: () => {
          if (this.sources.get(key) === created) this.sources.delete(key);
        },
      });
      source = created;
      this.sources.set(key, source);
    }
    return source.add(viewer);
  }

  /** What runs: one line per source (the tests and the benchmark count ffmpegs with it). */
  status(): { camera: string; stream: LiveStream; viewers: number; pid: number | null }[] {
    return [...this.sources.entries()].map(([key, s]) => {
      const [camera, stream] = key.split('\0') as [string, LiveStream];
      return { camera, stream, viewers: s.viewerCount, pid: s.pid };
    });
  }

  async close(): Promise<void> {
    for (const s of this.sources.values()) s.close();
    this.sources.clear();
  }
}
