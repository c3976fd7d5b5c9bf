import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.js';

/**
 * Debian's nginx as a reverse proxy on loopback in front of `upstream` (`http://127.0.0.1:PORT`), in the foreground
 * from a temp prefix (its own pid, logs and temp folders). `location` is the body of `location / { … }` after the
 * `proxy_pass` line: empty for nginx's defaults (HTTP/1.0 to the upstream, `Host: $proxy_host`, no forwarding headers).
 */
export async function startNginx(upstream: string, location = ''): Promise<{ url: string; stop(): Promise<void> }> {
  const prefix = mkdtempSync(path.join(tmpdir(), 'cctv-nginx-'));
  for (const d of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(prefix, d));
  const port = await freePort();
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${upstream};
      ${location}
    }
  }
}
`,
  );
  const proc = spawn('/usr/sbin/nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitFor(`nginx on ${port} (${stderr})`, () =>
      new Promise<boolean>((resolve) => {
        if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
        const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true))).on('error', () => resolve(false));
      }), 10_000, 50);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}
