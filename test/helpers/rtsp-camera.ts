import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

const SCRIPT = fileURLToPath(new URL('./rtsp-camera.py', import.meta.url));

export interface CameraOptions {
  audio?: 'none' | 'aac' | 'pcma';
  size?: string;
  fps?: number;
  gop?: number;
  bitrate?: number;
  /** A still black picture (almost no bits per second). */
  static?: boolean;
  /** Replay this H.264 MP4 (from its start when the first client connects, once) instead of a live test picture. */
  file?: string;
  /** The wall-clock ms burned into each picture as blocks (rtsp-camera.py --stamp; read with test/serve/stamp.ts). */
  stamp?: boolean;
}

/** A real RTSP camera (GStreamer's RTSP server, see rtsp-camera.py) that tests start, kill, freeze and restart. */
export class TestCamera {
  private proc: ChildProcess | null = null;
  private constructor(readonly port: number, private readonly opts: CameraOptions) {}

  static async start(opts: CameraOptions = {}): Promise<TestCamera> {
    const cam = new TestCamera(await freePort(), opts);
    await cam.up();
    return cam;
  }

  get url(): string {
    return `rtsp://127.0.0.1:${this.port}/cam${this.opts.file ? '0' : ''}`;
  }

  /** (Re)starts the server on the same port; resolves when it listens. */
  async up(): Promise<void> {
    const o = this.opts;
    const args = [SCRIPT, String(this.port), '--audio', o.audio ?? 'none', '--size', o.size ?? '640x360',
      '--fps', String(o.fps ?? 25), '--gop', String(o.gop ?? 50), '--bitrate', String(o.bitrate ?? 1000), ...(o.static ? ['--static'] : []),
      ...(o.file ? ['--file', o.file, '--mounts', '1'] : []), ...(o.stamp ? ['--stamp'] : [])];
    const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: proc.stdout! });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`test camera did not start: ${stderr}`)), 15_000);
      lines.on('line', (l) => {
        if (l.startsWith('READY')) {
          clearTimeout(t);
          resolve();
        } else if (l.startsWith('ERROR')) {
          clearTimeout(t);
          reject(new Error(l));
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`test camera exited with ${code}: ${stderr}`));
      });
    });
  }

  /** Kills the server (the camera vanishes); resolves once it is gone. */
  async down(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGCONT');
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  /** Freezes the camera: the connection stays open, no data flows (SIGSTOP). */
  freeze(): void {
    this.proc?.kill('SIGSTOP');
  }

  thaw(): void {
    this.proc?.kill('SIGCONT');
  }

  stop(): Promise<void> {
    return this.down();
  }
}
