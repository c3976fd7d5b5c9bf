# Names and keys shared by every file. The key layout is cctv's (CONTRACT §4):
#   <key_prefix>/clips/<camera>/<YYYY>/<MM>/<DD>/<eventId>.mp4   the clip        (tagged class=clip)
#   <key_prefix>/clips/<camera>/<YYYY>/<MM>/<DD>/<eventId>.jpg   its poster
#   <key_prefix>/clips/<camera>/<YYYY>/<MM>/<DD>/<eventId>.json  its manifest    (written last)
#   <key_prefix>/recordings/<camera>/<YYYY-MM-DD>/<HHMMSS>.<ext> whole recordings (upload.continuous, upload.mode: segment;
#                                                                 the uploader may write them only with allow_recording_uploads)

locals {
  key_prefix  = var.key_prefix == "" ? "" : "${var.key_prefix}/"
  clip_prefix = "${local.key_prefix}clips/"

  bucket_arn  = aws_s3_bucket.clips.arn
  storage_url = var.key_prefix == "" ? "s3://${aws_s3_bucket.clips.bucket}" : "s3://${aws_s3_bucket.clips.bucket}/${var.key_prefix}"

  # Object ARNs under the clip prefix, by kind. In IAM resource ARNs `*` also matches `/`, so
  # ".../clips/*.mp4" is every clip video at any depth and nothing else.
  clip_objects      = "${local.bucket_arn}/${local.clip_prefix}*"
  clip_video_arn    = "${local.bucket_arn}/${local.clip_prefix}*.mp4"
  clip_poster_arn   = "${local.bucket_arn}/${local.clip_prefix}*.jpg"
  clip_manifest_arn = "${local.bucket_arn}/${local.clip_prefix}*.json"

  # Whole recordings (upload.continuous, upload.mode: segment) keep their path under the data folder.
  recording_objects = "${local.bucket_arn}/${local.key_prefix}recordings/*"

  # The tag cctv puts on clip videos (not posters or manifests) so that only they move to Glacier IR.
  clip_tag = { class = "clip" }

  kms_statements = var.kms_key_arn == null ? [] : [{
    Sid      = "UseBucketKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
    Resource = [var.kms_key_arn]
  }]

  # Hooks that exist, in a stable order.
  hooks = concat(var.enable_transcode ? ["transcode"] : [], var.enable_analyze ? ["analyze"] : [])
}
