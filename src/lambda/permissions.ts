/**
 * What each AWS identity of cctv does there, by the operations its code performs: the IAM actions and what on.
 * S3 resources are key patterns under the storage prefix (`*` as IAM reads it: any characters, `/` included);
 * `topic` is the alerts topic, `bucket` the bucket itself (listing), `*` a service without resource-level permissions. infra/terraform/iam.tf grants
 * exactly these: test/infra derives its policy assertions from this table, and the Lambda tests check every
 * storage operation the hooks perform (and each link an alert carries) against it.
 */
export interface Grant {
  action: string;
  resource: string;
  /** The operation of the code that needs it. */
  why: string;
}

const write = (resource: string, why: string): Grant[] => [
  { action: 's3:PutObject', resource, why },
  { action: 's3:AbortMultipartUpload', resource, why: `${why} (a failed multipart upload is aborted)` },
];

export const IAM_GRANTS = {
  transcode: [
    { action: 's3:GetObject', resource: 'clips/*.mp4', why: 'reads the clip (its head, then the whole file)' },
    ...write('clips/*.mp4', 'rewrites the clip in place'),
    { action: 's3:PutObjectTagging', resource: 'clips/*.mp4', why: 're-tags the rewritten clip class=clip' },
    ...write('clips/*.jpg', "writes the clip's poster"),
    { action: 's3:GetObject', resource: 'clips/*.jpg', why: 'verifies the poster it wrote (HEAD: size and sha256 metadata)' },
  ],
  analyze: [
    { action: 's3:GetObject', resource: 'clips/*.json', why: 'reads the manifest' },
    { action: 's3:GetObject', resource: 'clips/*.mp4', why: "frames from a presigned URL of the clip; the alert's clip link" },
    { action: 's3:GetObject', resource: 'clips/*.jpg', why: "the alert's poster link (presigned with the hook's own credentials)" },
    { action: 's3:PutObject', resource: 'clips/*.json', why: 'writes the labels and its marker into the manifest' },
    { action: 'rekognition:DetectLabels', resource: '*', why: 'labels of the planned frames' },
    { action: 'sns:Publish', resource: 'topic', why: 'the alert' },
  ],
  /** The event index's Lambda (indexer.ts, cloud-index/): a manifest into the table; a reindex lists them all. */
  indexer: [
    { action: 's3:GetObject', resource: 'clips/*.json', why: 'reads the manifest it indexes' },
    { action: 's3:ListBucket', resource: 'bucket', why: 'a reindex lists the manifests under the clip prefixes' },
  ],
  /** The hosted web app's Lambda (web.ts): presigned URLs of the clips and posters it serves (hosted-routes.ts). */
  web: [
    { action: 's3:GetObject', resource: 'clips/*.mp4', why: 'the presigned URL /media/clip redirects to' },
    { action: 's3:GetObject', resource: 'clips/*.jpg', why: 'the presigned URL /media/poster redirects to' },
  ],
  /** The on-premise server (`cctv upload`, `cctv doctor`): clips, posters, manifests, verified after each put. */
  uploader: [
    ...write('clips/*', 'stores clips, posters and manifests'),
    { action: 's3:PutObjectTagging', resource: 'clips/*', why: 'tags clips class=clip' },
    { action: 's3:GetObject', resource: 'clips/*', why: 'verifies each put (HEAD, a read-back when the ETag is no MD5)' },
  ],
  /** The uploader's extra grants for `upload.continuous` / `upload.mode: segment` (Terraform allow_recording_uploads). */
  uploaderRecordings: [
    ...write('recordings/*', 'stores whole recordings'),
    { action: 's3:PutObjectTagging', resource: 'recordings/*', why: 'tags recordings class=recording' },
    { action: 's3:GetObject', resource: 'recordings/*', why: 'verifies each put' },
  ],
} satisfies Record<string, Grant[]>;

/**
 * The IAM action of each S3 API call the storage makes (SDK command name); a presigned URL is a GetObject signed with
 * the presigner's credentials, so `Storage.presign` needs s3:GetObject too.
 */
export const S3_COMMAND_ACTIONS: Record<string, string> = {
  PutObjectCommand: 's3:PutObject', CreateMultipartUploadCommand: 's3:PutObject', UploadPartCommand: 's3:PutObject',
  CompleteMultipartUploadCommand: 's3:PutObject', AbortMultipartUploadCommand: 's3:AbortMultipartUpload',
  GetObjectCommand: 's3:GetObject', HeadObjectCommand: 's3:GetObject', PutObjectTaggingCommand: 's3:PutObjectTagging',
  GetObjectTaggingCommand: 's3:GetObjectTagging', DeleteObjectCommand: 's3:DeleteObject', ListObjectsV2Command: 's3:ListBucket',
};

/**
 * Whether `grants` allow `action` on storage key `key` (IAM wildcard matching of the resource pattern). A key under a
 * site (`<site>/clips/…`, sites.ts) is granted as its 0.1 form: Terraform repeats each clip grant for every site's prefix.
 */
export function allows(grants: readonly Grant[], action: string, key: string): boolean {
  const keys = [key, key.replace(/^[^/]+\/(?=(clips|recordings)\/)/, '')];
  return grants.some((g) => g.action === action && keys.some((k) => new RegExp(`^${g.resource.split('*').map(escape).join('.*')}$`).test(k)));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
