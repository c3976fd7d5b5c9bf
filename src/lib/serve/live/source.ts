import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { liveArgs } from '../../ffmpeg/args.js';
import { lastLines, spawnFfmpeg } from '../../ffmpeg/run.js';
import { log } from '../../log.js';
import { backoffMs } from '../../wait.js';
import { Fmp4Splitter, type Fmp4Piece } from '../../ffmpeg/fmp4.js';

/** What a viewer receives: the init segment (again after each restart of the source), fragments, and outages. */
export type LiveMessage = Fmp4Piece | { kind: 'outage'; reason: string };

export interface LiveViewer {
  send(message: LiveMessage): void;
}

export interface LiveSourceOptions {
  camera: string;
  stream: 'main' | 'sub';
  url: string;
  transport: 'tcp' | 'udp';
  /** How long ffmpeg keeps running after the last viewer left (a viewer who comes back finds it warm). */
  lingerMs: number;
  /** Called once the source stopped for good (no viewers after the linger). */
  onIdle(): void;
}

/** A GOP larger than this is not kept for newcomers (they wait for the next keyframe instead). */
const MAX_GOP_BYTES = 16 << 20;

/** Restarts of a watched stream that stopped: 1 s, doubling to 15 s. */
const LIVE_RESTART = { baseMs: 1000, maxMs: 15_000 };

/**
 * One camera stream watched live: ONE copy-only ffmpeg (liveArgs) shared by every viewer, started by the first and
 * stopped `lingerMs` after the last one left. It keeps the init segment and the fragments since the latest keyframe,
 * so a newcomer starts at once from that keyframe instead of waiting up to a GOP. When ffmpeg exits while someone
 * watches (camera gone, network), viewers get an outage and it restarts with backoff (1 s doubling to 15 s); the
 * first start skips stream probing and a start that fails before any output retries with probing.
 */
export class LiveSource {
  private readonly viewers = new Set<LiveViewer>();
  private proc: ChildProcessByStdio<Writable, Readable, Readable> | null = null;
  private init: Extract<Fmp4Piece, { kind: 'init' }> | null = null;
  private gop: Buffer[] = [];
  private gopBytes = 0;
  private linger: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private fastStart = true;
  private closed = false;

  constructor(private readonly o: LiveSourceOptions) {}

  /** Adds a viewer (starting ffmpeg if needed) and returns the function that removes it. */
  add(viewer: LiveViewer): () => void {
    if (this.closed) throw new Error('live source closed');
    this.viewers.add(viewer);
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    if (this.init) {
      viewer.send(this.init);
      for (const data of this.gop) viewer.send({ kind: 'fragment', data, keyframe: data === this.gop[0] });
    }
    if (!this.proc && !this.retry) this.start();
    return () => this.remove(viewer);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** The pid of the running ffmpeg, or null. */
  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** Stops ffmpeg now, whoever watches (server shutdown). */
  close(): void {
    this.closed = true;
    for (const t of [this.linger, this.retry]) if (t) clearTimeout(t);
    this.viewers.clear();
    this.stop();
  }

  private remove(viewer: LiveViewer): void {
    if (!this.viewers.delete(viewer) || this.viewers.size > 0 || this.closed) return;
    this.linger = setTimeout(() => {
      this.linger = null;
      if (this.viewers.size > 0) return;
      this.close();
      this.o.onIdle();
    }, this.o.lingerMs);
  }

  private start(): void {
    this.retry = null;
    const proc = spawnFfmpeg(liveArgs({ url: this.o.url, transport: this.o.transport, fastStart: this.fastStart }));
    this.proc = proc;
    const splitter = new Fmp4Splitter();
    let stderr = '';
    let output = false;
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    proc.stdout.on('data', (chunk: Buffer) => {
      let pieces: Fmp4Piece[];
      try {
        pieces = splitter.push(chunk);
      } catch (err) {
        log.warn({ camera: this.o.camera, err: (err as Error).message }, 'live stream unreadable');
        proc.kill('SIGKILL');
        return;
      }
      for (const p of pieces) {
        output = true;
        this.take(p);
      }
    });
    proc.once('close', (code, signal) => {
      if (this.proc !== proc) return;
      this.proc = null;
      this.init = null;
      this.gop = [];
      this.gopBytes = 0;
      if (this.closed) return;
      if (!output && this.fastStart) this.fastStart = false; // perhaps the SDP lacks codec parameters: probe next time
      this.failures = output ? 1 : this.failures + 1;
      const reason = lastLines(stderr) || `ffmpeg exited (${signal ?? code})`;
      log.warn({ camera: this.o.camera, stream: this.o.stream, err: reason }, 'live stream stopped; restarting');
      for (const v of this.viewers) v.send({ kind: 'outage', reason: 'camera stream interrupted' });
      if (this.viewers.size > 0) this.retry = setTimeout(() => this.start(), backoffMs(this.failures, LIVE_RESTART));
    });
  }

  private take(p: Fmp4Piece): void {
    if (p.kind === 'init') {
      this.init = p;
      this.gop = [];
      this.gopBytes = 0;
    } else if (p.keyframe) {
      this.gop = [p.data];
      this.gopBytes = p.data.length;
    } else if (this.gop.length > 0) {
      this.gop.push(p.data);
      this.gopBytes += p.data.length;
      if (this.gopBytes > MAX_GOP_BYTES) {
        this.gop = [];
        this.gopBytes = 0;
      }
    }
    for (const v of this.viewers) v.send(p);
  }

  private stop(): void {
    const proc = this.proc;
    this.proc = null;
    this.init = null;
    this.gop = [];
    this.gopBytes = 0;
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}
