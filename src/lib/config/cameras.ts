import { UserError } from '../errors.js';
import type { CameraConfig, Config, RecordConfig } from './schema.js';

export interface SelectedCamera {
  name: string;
  camera: CameraConfig;
  /** The record section with this camera's overrides applied. */
  record: RecordConfig;
}

/** The cameras a command works on: those named (each must exist), else every enabled one. */
export function selectCameras(config: Config, names: string[] | undefined): SelectedCamera[] {
  const all = Object.keys(config.cameras);
  for (const n of names ?? []) {
    if (!config.cameras[n]) {
      throw new UserError(`--camera ${n}: no such camera in the configuration (configured: ${all.join(', ') || 'none'})`);
    }
  }
  const chosen = names?.length ? [...new Set(names)] : all.filter((n) => config.cameras[n]!.enabled);
  if (chosen.length === 0) throw new UserError('no cameras configured: add a `cameras:` section (see config.example.yaml)');
  return chosen.map((name) => {
    const camera = config.cameras[name]!;
    return { name, camera, record: { ...config.record, ...camera.record } };
  });
}
