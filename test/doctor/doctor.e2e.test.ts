import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCctv, tempProject } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { TestCamera } from '../helpers/rtsp-camera.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

describe('cctv doctor (real camera, real S3-protocol server)', () => {
  let cam: TestCamera;
  let s3: S3TestServer;
  beforeAll(async () => {
    [cam, s3] = await Promise.all([TestCamera.start({ gop: 50 }), startS3Server('doctor')]);
  });
  afterAll(async () => {
    await Promise.all([cam?.stop(), s3?.stop()]);
  });

  const storage = () => ({ url: `s3://${s3.bucket}/nvr`, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });

  it('reports every check ok, with the camera probed and secrets redacted', async () => {
    const { dir } = tempProject({
      cameras: { front: { url: cam.url.replace('rtsp://', 'rtsp://admin:hunter22@'), record: { segmentSeconds: 10 } } },
      storage: storage(),
    });
    const r = await runCctv(['doctor'], { cwd: dir, env: s3.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}camera front {5}h264 640x360 25 fps, keyframe every 2s$/m);
    expect(r.stdout).toMatch(/^ok {4}storage .*s3:\/\/doctor\/nvr\/clips\/cctv-doctor\.txt/m);
    expect(r.stdout).toMatch(/^ok {4}data folder/m);
    expect(r.stdout + r.stderr).not.toContain('hunter22');
    expect(r.stdout).toContain('rtsp://admin:***@');
  });

  it('exit 1 with the fix in words when a camera or the storage is unreachable; warns about a long GOP', async () => {
    const { dir } = tempProject({
      cameras: { front: { url: cam.url, record: { segmentSeconds: 10 } }, gone: { url: `rtsp://127.0.0.1:${await freePort()}/x` } },
      storage: { ...storage(), endpoint: `http://127.0.0.1:${await freePort()}` },
    });
    const r = await runCctv(['doctor'], { cwd: dir, env: s3.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}camera gone .*check the address, port, path and credentials/m);
    expect(r.stdout).toMatch(/^FAIL {2}storage .*check storage\.url, the credentials and the endpoint/m);
    expect(r.stderr).toMatch(/cctv: 2 checks failed/);
    const longGop = await TestCamera.start({ gop: 300 }); // 12 s between keyframes against 10 s segments
    try {
      const p = tempProject({ cameras: { slow: { url: longGop.url, record: { segmentSeconds: 10 } } } });
      const w = await runCctv(['doctor'], { cwd: p.dir });
      expect(w.stdout).toMatch(/^WARN {2}camera slow .*keyframes (every 1\d(\.\d+)?s|more than 12s apart), longer than a 10s segment/m);
    } finally {
      await longGop.stop();
    }
  }, 90_000);
});
