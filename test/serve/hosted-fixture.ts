import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { dynamoEventCatalog } from '../../src/lib/catalog/dynamodb/catalog.js';
import { sessionsTableDefinition } from '../../src/lib/catalog/hosted-sessions.js';
import type { FunctionUrlEvent } from '../../src/lib/serve/function-url.js';
import { S3Storage } from '../../src/lib/storage/index.js';
import { createWebHandler, type WebDeps, type WebSettings } from '../../src/lambda/web.js';
import { startDynamo, type DynamoTestServer } from '../helpers/dynamodb.js';
import { selfSignedCert, startFunctionUrlHost, startSsmStub, type Tls } from '../helpers/function-url-host.js';
import { startOidcStub, type OidcStub } from '../helpers/oidc-stub.js';
import { fixS3rverClient, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { ffmpeg, makeMp4 } from '../upload/fixtures.js';

/**
 * The hosted app on loopback, every part but AWS itself real: the web Lambda's handler (src/lambda/web.ts) behind the
 * CloudFront + function-URL emulator over HTTPS, its settings from an SSM stand-in, the event index and sessions in
 * dynalite, clips in s3rver, Cognito's endpoints from the OIDC stub. Two sites: `home` (three events, one a person)
 * and `cabin` (one event). Users: ada (admins: every site), vic (home), cat (cabin).
 */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
export const USERS = { ada: 'pw-ada-1', vic: 'pw-vic-1', cat: 'pw-cat-1' } as const;
export const SETTINGS_PARAMETER = '/cctv/web/settings';

export interface HostedFixture {
  url: string;
  settings: WebSettings;
  deps: WebDeps;
  tls: Tls;
  stub: OidcStub;
  s3: S3TestServer;
  dynamo: DynamoTestServer;
  /** Event ids by site. */
  events: { home: string[]; cabin: string[] };
  /** Clip keys inside their site (`clips/…`). */
  clips: { home: string[]; cabin: string[] };
  /** Every function-URL event the handler was given, in order. */
  requests: FunctionUrlEvent[];
  close(): Promise<void>;
}

export async function startHostedFixture(o: { presignSeconds?: number; longClip?: boolean } = {}): Promise<HostedFixture> {
  const started: { close(): Promise<void> }[] = [];
  const work = mkdtempSync(path.join(tmpdir(), 'cctv-hosted-'));
  try {
    const dynamo = await startDynamo('cctv-events');
    started.push({ close: () => dynamo.stop() });
    await dynamo.client.send(new CreateTableCommand(sessionsTableDefinition('cctv-web-sessions')));
    const s3 = await startS3Server('cctv-clips');
    started.push({ close: () => s3.stop() });
    let publicOrigin = '';
    const stub = await startOidcStub({
      redirectUris: () => [`${publicOrigin}/auth/callback`],
      users: { ada: { password: USERS.ada, groups: ['admins'] }, vic: { password: USERS.vic, groups: ['home'] }, cat: { password: USERS.cat, groups: ['cabin'] } },
    });
    started.push(stub);

    // Clips as the uploader stores them: a playable MP4 and its poster under <site>/clips/<camera>/YYYY/MM/DD/.
    const clipFile = path.join(work, 'clip.mp4');
    if (o.longClip) {
      // 40 s at ~2 Mbit/s of noise: more than Chromium buffers ahead of a paused video, so a late seek is a new request.
      await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-vf', 'noise=alls=30:allf=t', '-t', '40', '-c:v', 'libx264', '-preset', 'ultrafast',
        '-b:v', '2M', '-maxrate', '2M', '-bufsize', '4M', '-g', '50', '-pix_fmt', 'yuv420p', '-an', '-movflags', '+faststart', clipFile]);
    } else await makeMp4(clipFile, 4);
    const posterFile = path.join(work, 'poster.jpg');
    await ffmpeg(['-i', clipFile, '-frames:v', '1', '-q:v', '5', posterFile]);
    const storageOf = (site: string) => new S3Storage(`s3://${s3.bucket}/${site}`, {
      region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, checksums: 'when_required', configureClient: fixS3rverClient,
    });
    const events = { home: [] as string[], cabin: [] as string[] };
    const clips = { home: [] as string[], cabin: [] as string[] };
    const plan = [['home', 'front', 0, ['person']], ['home', 'front', 60, []], ['home', 'back', 120, []], ['cabin', 'porch', 30, ['person']]] as const;
    for (const [site, camera, offsetS, detected] of plan) {
      const startMs = T0 + offsetS * 1000;
      const id = `${camera}-${new Date(startMs).toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${site}`;
      const base = `clips/${camera}/2024/05/01/${id}`;
      const storage = storageOf(site);
      const put = await storage.put(`${base}.mp4`, { body: readFileSync(clipFile) }, { contentType: 'video/mp4' });
      const poster = await storage.put(`${base}.jpg`, { body: readFileSync(posterFile) }, { contentType: 'image/jpeg' });
      const catalog = dynamoEventCatalog({ client: dynamo.client, tableName: dynamo.tableName, site });
      await catalog.putEntry({
        eventId: id, camera, startMs, endMs: startMs + 4000, cameraLabels: ['motion'],
        detected: detected.map((name) => ({ name, confidence: 0.9 })),
        clip: { key: `${base}.mp4`, url: put.url, poster: poster.url, startMs },
      }, { readAtMs: Date.now() });
      events[site].push(id);
      clips[site].push(`${base}.mp4`);
    }

    const tls = selfSignedCert();
    const parameters = new Map<string, string>();
    const ssmStub = await startSsmStub(parameters);
    started.push(ssmStub);
    const env = { CCTV_WEB_SETTINGS: SETTINGS_PARAMETER, AWS_REGION: s3.region };
    const deps: WebDeps = {
      env,
      ssm: new SSMClient({ endpoint: ssmStub.endpoint, region: s3.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
      dynamo: dynamo.client,
      storage: new S3Storage(`s3://${s3.bucket}`, { region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, checksums: 'when_required', configureClient: fixS3rverClient }),
      jwksUrl: stub.jwksUrl,
    };
    const host = await startFunctionUrlHost(createWebHandler(deps), tls);
    started.push(host);
    publicOrigin = host.url;
    const settings: WebSettings = {
      publicOrigin, userPoolId: stub.userPoolId, clientId: stub.clientId, cognitoDomain: stub.url, storageUrl: `s3://${s3.bucket}`,
      eventsTable: dynamo.tableName, sessionsTable: 'cctv-web-sessions', sites: ['home', 'cabin'], adminGroup: 'admins',
      presignSeconds: o.presignSeconds ?? 300, sessionIdleHours: 72, sessionMaxDays: 30, logLevel: 'warn',
    };
    parameters.set(SETTINGS_PARAMETER, JSON.stringify(settings));
    return {
      url: host.url, settings, deps, tls, stub, s3, dynamo, events, clips, requests: host.events,
      close: async () => {
        for (const s of started.reverse()) await s.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.close().catch(() => {});
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}
