/**
 * Imported FIRST by each hook's entry module (ES modules run their imports in order, and the esbuild
 * bundle keeps that order): src/lib/ffmpeg/run.ts reads $FFMPEG_PATH / $FFPROBE_PATH when it loads, and
 * the Terraform names them CCTV_FFMPEG_PATH / CCTV_FFPROBE_PATH (the layer's /opt/bin/…). Explicit
 * FFMPEG_PATH / FFPROBE_PATH win. CCTV_LOG_LEVEL is read by src/lib/log.ts itself.
 */
const env = process.env;
if (env.CCTV_FFMPEG_PATH && !env.FFMPEG_PATH) env.FFMPEG_PATH = env.CCTV_FFMPEG_PATH;
if (env.CCTV_FFPROBE_PATH && !env.FFPROBE_PATH) env.FFPROBE_PATH = env.CCTV_FFPROBE_PATH;

export {};
