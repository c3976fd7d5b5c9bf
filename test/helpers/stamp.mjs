// The wall clock burned into the test camera's pictures (rtsp-camera.py --stamp), read back in the browser: glass-to-
// glass latency is the time a frame is shown minus the time it was made. These functions run IN THE PAGE (passed to
// playwright's page.evaluate), so each is self-contained. Shared by the browser tests and bench/live.mjs.

/**
 * In the page: samples the frames the <video> matching `selector` presents (requestVideoFrameCallback) for up to
 * `samples` frames or `timeoutMs`, reading each frame's stamp from a canvas; resolves with the latencies in ms
 * (display time minus stamp) of the frames whose stamp read back (the inverse row checks each bit).
 */
export function sampleLatency({ selector, samples, timeoutMs }) {
  const video = document.querySelector(selector);
  if (!video) return Promise.reject(new Error(`no ${selector}`));
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const read = () => {
    const w = video.videoWidth;
    const block = Math.floor(w / 40);
    if (!block) return null;
    canvas.width = w;
    canvas.height = block * 2;
    ctx.drawImage(video, 0, 0, w, block * 2, 0, 0, w, block * 2);
    const px = ctx.getImageData(0, 0, w, block * 2).data;
    const lit = (x, y) => px[(y * w + x) * 4] > 128;
    let ms = 0;
    for (let i = 39; i >= 0; i--) {
      const x = i * block + (block >> 1);
      const bit = lit(x, block >> 1);
      if (bit === lit(x, block + (block >> 1))) return null;
      ms = ms * 2 + (bit ? 1 : 0);
    }
    return ms;
  };
  return new Promise((resolve) => {
    const out = [];
    const stop = setTimeout(() => resolve(out), timeoutMs);
    const onFrame = (_now, meta) => {
      const shown = performance.timeOrigin + meta.expectedDisplayTime;
      const stamp = read();
      if (stamp !== null) out.push((shown % 2 ** 40) - stamp);
      if (out.length >= samples) {
        clearTimeout(stop);
        resolve(out);
      } else video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}
