import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { RuntimeError, errorMessage } from '../errors.js';
import { log } from '../log.js';
import { fromCoco } from './labels.js';
import type { Detection, Detector, Frame, FrameRequest } from './types.js';

/**
 * The embedded, offline detector: @vladmandic/human's bundled COCO CenterNet object model on the
 * @tensorflow/tfjs-backend-wasm backend. Nothing is downloaded: the model and the wasm binaries come
 * from node_modules. Frames arrive as raw RGB at the model's input size (512×512), so no image decoder
 * is needed; boxes are normalised, so stretching the picture to a square does not move them.
 */
export const localDetectorSchema = z.strictObject({
  detector: z.literal('local').describe('the embedded offline object detector (COCO classes)'),
});
export type LocalDetectorConfig = z.infer<typeof localDetectorSchema>;

/** The model's input size; CenterNet resizes to it anyway, so ffmpeg does it once, in one pass. */
export const LOCAL_INPUT: FrameRequest = { format: 'rgb24', width: 512, height: 512 };

/** The parts of human's API used here (its own typings come through a broken exports map). */
interface HumanObject {
  score: number;
  label: string;
  boxRaw: [number, number, number, number];
}
interface Tensor {
  dispose(): void;
}
interface Human {
  config: { object: { minConfidence: number } };
  init(): Promise<void>;
  load(): Promise<void>;
  detect(input: Tensor): Promise<{ object: HumanObject[]; error?: string | null }>;
  tf: {
    getBackend(): string;
    tensor4d(values: Uint8Array, shape: [number, number, number, number], dtype: 'int32'): Tensor;
    io: { registerLoadRouter(router: (url: string | string[]) => unknown): void };
  };
}

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Directory of an installed package, found through its resolvable main entry (the `dist/` folder holds it). */
function packageDist(name: string): string {
  return path.dirname(createRequire(import.meta.url).resolve(name));
}

/**
 * A tfjs model loader for file:// URLs (Node 20's fetch has none): model.json plus its weight shards
 * read from disk, in the ModelArtifacts shape tfjs expects.
 */
function fileModelLoader(url: string | string[]): { load(): Promise<object> } | null {
  if (typeof url !== 'string' || !url.startsWith('file:')) return null;
  return {
    async load() {
      const file = fileURLToPath(url);
      const json = JSON.parse(await readFile(file, 'utf8')) as {
        weightsManifest: { paths: string[]; weights: object[] }[];
        [k: string]: unknown;
      };
      const shards = await Promise.all(
        json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(path.dirname(file), p))),
      );
      const weights = Buffer.concat(shards);
      const { weightsManifest, ...rest } = json;
      return {
        ...rest,
        weightSpecs: weightsManifest.flatMap((g) => g.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
      };
    },
  };
}

/**
 * Loads human once per process. Its only Node-capable builds need tfjs-node or tfjs-converter (neither
 * installs offline), so this uses the self-contained ESM bundle, which is written for browsers:
 * - at import, tfjs picks its platform; a transient `WorkerGlobalScope` makes it choose the
 *   fetch-based browser platform (its Node platform needs the real `util`, which the bundle stubs out);
 * - the wasm binaries are handed over as blob: URLs (Node's fetch reads those) with platform fetch on;
 * - emscripten's Node branch reads `__dirname` (absent in ESM), so it is defined while the backend
 *   starts; the process-wide rethrowing handlers emscripten installs meanwhile are removed again.
 */
async function loadHuman(): Promise<Human> {
  const humanDist = packageDist('@vladmandic/human');
  const wasmDist = packageDist('@tensorflow/tfjs-backend-wasm');
  const g = globalThis as Record<string, unknown>;
  const hadWorkerScope = 'WorkerGlobalScope' in g;
  if (!hadWorkerScope) g.WorkerGlobalScope = class {};
  let mod: { Human: new (config: object) => Human };
  try {
    mod = (await import(pathToFileURL(path.join(humanDist, 'human.esm.js')).href)) as typeof mod;
  } finally {
    if (!hadWorkerScope) delete g.WorkerGlobalScope;
  }
  const wasmPath = Object.fromEntries(
    await Promise.all(
      WASM_FILES.map(async (f) => [f, URL.createObjectURL(new Blob([await readFile(path.join(wasmDist, f))]))]),
    ),
  );
  const human = new mod.Human({
    backend: 'wasm',
    wasmPath,
    wasmPlatformFetch: true,
    modelBasePath: pathToFileURL(path.join(humanDist, '..', 'models') + path.sep).href,
    cacheModels: false,
    cacheSensitivity: 0,
    debug: false,
    warmup: 'none',
    filter: { enabled: false },
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.2, maxDetected: 50, iouThreshold: 0.4 },
  });
  human.tf.io.registerLoadRouter(fileModelLoader);
  const emitter: EventEmitter = process;
  const listeners = ['uncaughtException', 'unhandledRejection'].map((e) => [e, emitter.listeners(e)] as const);
  const hadDirname = '__dirname' in g;
  if (!hadDirname) g.__dirname = wasmDist;
  try {
    await human.init();
  } finally {
    if (!hadDirname) delete g.__dirname;
    for (const [event, before] of listeners) {
      for (const l of emitter.listeners(event)) if (!before.includes(l)) emitter.off(event, l as () => void);
    }
  }
  if (human.tf.getBackend() !== 'wasm') {
    throw new RuntimeError(`local detector: the tfjs wasm backend did not start (got ${human.tf.getBackend()})`);
  }
  await human.load();
  return human;
}

let shared: Promise<Human> | undefined;

/** The process-wide model, loaded on first use (about 0.2 s); a failed load is retried on next use. */
function sharedHuman(): Promise<Human> {
  shared ??= loadHuman().catch((err: unknown) => {
    shared = undefined;
    throw err instanceof RuntimeError ? err : new RuntimeError(`local detector failed to load: ${errorMessage(err)}`);
  });
  return shared;
}

/** The local detector. `minConfidence` (0..1) drops weaker objects; the model is shared by all instances. */
export async function createLocalDetector(options: { minConfidence: number }): Promise<Detector> {
  const human = await sharedHuman();
  let queue: Promise<unknown> = Promise.resolve();
  const run = async (frame: Frame): Promise<Detection[]> => {
    if (frame.format !== LOCAL_INPUT.format || frame.width !== LOCAL_INPUT.width || frame.height !== LOCAL_INPUT.height) {
      throw new RuntimeError(`local detector needs ${LOCAL_INPUT.width}x${LOCAL_INPUT.height} rgb24 frames`);
    }
    const pixels = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.length);
    const input = human.tf.tensor4d(pixels, [1, frame.height, frame.width, 3], 'int32');
    try {
      human.config.object.minConfidence = options.minConfidence;
      const result = await human.detect(input);
      if (result.error) throw new RuntimeError(`local detector: ${result.error}`);
      return result.object.flatMap((o) => {
        const name = fromCoco(o.label);
        const [x, y, width, height] = o.boxRaw.map((v) => Math.min(1, Math.max(0, v))) as [number, number, number, number];
        return name && o.score >= options.minConfidence ? [{ name, confidence: o.score, box: { x, y, width, height } }] : [];
      });
    } finally {
      input.dispose();
    }
  };
  return {
    name: 'local',
    input: LOCAL_INPUT,
    detect(frame) {
      // One inference at a time: the wasm backend is single-threaded and human keeps per-call state.
      const next = queue.then(() => run(frame));
      queue = next.catch(() => undefined);
      log.trace({ offsetSeconds: frame.offsetSeconds }, 'local detect');
      return next;
    },
    async close() {},
  };
}
