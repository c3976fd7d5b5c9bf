/** Manifests as `cctv upload` writes them (src/lib/upload/uploader.ts storeClip), then rewritten by an analysis. */
export const eventManifest = {
  v: 1, eventId: 'front-20240501T120002Z-ab12', camera: 'front',
  event: { v: 1, kind: 'event', id: 'front-20240501T120002Z-ab12', camera: 'front', state: 'end', at: '2024-05-01T12:00:05.000Z', start: '2024-05-01T12:00:02.000Z', end: '2024-05-01T12:00:05.000Z', labels: ['motion', 'person', 'motion'], source: 'onvif' },
  window: { start: '2024-05-01T12:00:01.000Z', end: '2024-05-01T12:00:06.000Z' }, gaps: [], labels: ['motion', 'person'],
  url: 's3://b/home/clips/front/2024/05/01/front-20240501T120002Z-ab12.mp4', poster: 's3://b/home/clips/front/2024/05/01/front-20240501T120002Z-ab12.jpg',
  bytes: 1000, sha256: 'a'.repeat(64), durationSeconds: 5, partial: false,
};
export const plainManifest = {
  v: 1, eventId: null, camera: 'side', clip: { v: 1, kind: 'clip', camera: 'side', path: '/mnt/side/a.mp4', at: '2024-05-01T12:10:00.000Z' },
  window: { start: '2024-05-01T12:09:40.000Z', end: '2024-05-01T12:10:00.000Z' }, gaps: [], labels: [],
  url: 's3://b/home/clips/side/2024/05/01/side-x.mp4', poster: null, bytes: 10, sha256: 'b'.repeat(64), durationSeconds: 20, partial: false,
};
