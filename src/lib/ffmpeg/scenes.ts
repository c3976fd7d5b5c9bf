/**
 * Synthetic camera scenes for the motion benchmark, its tests and the demo: real footage or stills with the light
 * changes that fool naive motion detection (the sun, clouds, the IR switch, flicker, a moving shadow), and
 * optionally people appearing at known times. Pure builders of ffmpeg arguments.
 */
export const LIGHT_CHANGES = ['steady', 'sun', 'clouds', 'ir', 'flicker', 'shadow'] as const;
export type LightChange = (typeof LIGHT_CHANGES)[number];

export interface Scene {
  /** A still picture (looped) or a video (looped): what the camera sees when nobody is there. */
  background: string;
  /** People: a video overlaid on the background for `seconds` every `every` seconds, from `first` on. */
  people?: { video: string; first: number; every: number; seconds: number };
  change: LightChange;
  seconds: number;
  fps: number;
  width: number;
  height: number;
}

const isStill = (file: string) => /\.(png|jpe?g|bmp)$/i.test(file);

/**
 * ffmpeg arguments writing the empty place of a video where people pass (vtest.avi): per pixel, the median of one frame
 * a second over 2·radius+1 seconds — everyone moves on, the place stays. One PNG.
 */
export function emptySceneArgs(video: string, out: string, radius = 35): string[] {
  return ['-loglevel', 'error', '-i', video, '-vf', `fps=1,tmedian=radius=${radius}`, '-frames:v', '1', '-f', 'image2', out];
}

/** When people appear in `scene` (seconds from its start). */
export function peopleAppear(scene: Scene): number[] {
  const p = scene.people;
  if (!p) return [];
  const out: number[] = [];
  for (let t = p.first; t < scene.seconds; t += p.every) out.push(t);
  return out;
}

/**
 * The filters (a -filter_complex chain from `[in]` to `[out]`) making one light change over a clip of `seconds`:
 * - sun: a slow ramp of brightness, contrast and gamma over the whole clip (morning to noon);
 * - clouds: every 20 s the light dims by a quarter (and loses contrast) over 1 s, stays 4 s, comes back over 1 s;
 * - ir: the middle third switches to an infrared look at once: grey, foliage bright (it reflects near-infrared), harder
 *   contrast, the IR illuminator's hotspot (darker corners);
 * - flicker: brightness and contrast oscillating a few times a second (auto-exposure hunting, mains flicker);
 * - shadow: a soft dark band (down to 55 % of the light) sweeping across the picture every 30 s (a cloud's shadow).
 */
export function lightChangeFilter(change: LightChange, seconds: number, width: number, height: number, fps: number): { inputs: string[]; graph: string } {
  const T = seconds;
  switch (change) {
    case 'steady':
      return { inputs: [], graph: '[in]null[out]' };
    case 'sun':
      return { inputs: [], graph: `[in]eq=brightness='-0.2+0.4*t/${T}':contrast='0.7+0.5*t/${T}':gamma='1.3-0.4*t/${T}':eval=frame[out]` };
    case 'clouds': {
      const dip = `clip(min(mod(t,20)-8,14-mod(t,20)),0,1)`;
      return { inputs: [], graph: `[in]eq=brightness='-0.25*${dip}':contrast='1-0.3*${dip}':eval=frame[out]` };
    }
    case 'ir': {
      const on = `between(t,${(T / 3).toFixed(1)},${((2 * T) / 3).toFixed(1)})`;
      return {
        inputs: [],
        graph: `[in]colorchannelmixer=.3:.8:-.1:0:.3:.8:-.1:0:.3:.8:-.1:0:enable='${on}',eq=contrast=1.3:brightness=0.05:enable='${on}',vignette=angle=PI/4:enable='${on}'[out]`,
      };
    }
    case 'flicker':
      return { inputs: [], graph: `[in]eq=brightness='0.07*sin(2*PI*3.3*t)':contrast='1+0.1*sin(2*PI*1.7*t)':eval=frame[out]` };
    case 'shadow': {
      const band = Math.round(width * 0.35);
      return {
        inputs: ['-f', 'lavfi', '-i', `color=c=black:s=${band}x${height}:r=${fps}`],
        graph: `[shadow]format=rgba,geq=r=0:g=0:b=0:a='115*sin(PI*X/W)'[band];[in][band]overlay=x='-w+(W+w)*mod(t,30)/30':y=0[out]`,
      };
    }
  }
}

/** ffmpeg arguments writing `scene` as an H.264 camera stream (keyframe every 2 s) to `out`. */
export function sceneArgs(scene: Scene, out: string): string[] {
  const { width: w, height: h, fps } = scene;
  const loop = (file: string) => [...(isStill(file) ? ['-loop', '1', '-framerate', String(fps)] : ['-stream_loop', '-1']), '-i', file];
  const fit = (format: string) => `scale=${w}:${h},setsar=1,fps=${fps},format=${format}`;
  const inputs = loop(scene.background);
  const parts: string[] = [];
  const p = scene.people;
  if (!p) {
    parts.push(`[0:v]${fit('yuv420p')}[scene]`);
  } else {
    // Only the people are taken from the video (where it differs from the background by more than compression
    // noise, grown a little and feathered), so they appear without the rest of the picture changing.
    inputs.push(...loop(p.video));
    parts.push(
      `[0:v]${fit('gbrp')},split[bg][bgm]`,
      `[1:v]${fit('gbrp')},split[people][pm]`,
      `[bgm][pm]blend=all_mode=difference,format=gray,lut=y='if(gt(val,30),255,0)',dilation,dilation,dilation,gblur=sigma=2,format=gbrp[mask]`,
      `[bg][people][mask]maskedmerge=enable='gte(t,${p.first})*lt(mod(t-${p.first},${p.every}),${p.seconds})',format=yuv420p[scene]`,
    );
  }
  const light = lightChangeFilter(scene.change, scene.seconds, w, h, fps);
  const extra = inputs.filter((a) => a === '-i').length;
  inputs.push(...light.inputs);
  parts.push(light.graph.replace('[in]', '[scene]').replace('[shadow]', `[${extra}:v]`), '[out]noise=alls=6:allf=t,format=yuv420p[v]');
  return [
    '-loglevel', 'error', ...inputs,
    '-filter_complex', parts.join(';'), '-map', '[v]', '-t', String(scene.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(2 * fps), '-pix_fmt', 'yuv420p', '-f', 'mp4', out,
  ];
}
