# Names and keys shared by every file. The key layout is cctv's (CONTRACT §4 and §5):
#   <key_prefix>/<site>/clips/<camera>/<YYYY>/<MM>/<DD>/<eventId>.mp4   the clip      (tagged class=clip)
#   <key_prefix>/<site>/clips/<camera>/<YYYY>/<MM>/<DD>/<eventId>.jpg   its poster
#   <key_prefix>/<site>/clips/<camera>/<YYYY>/<MM>/<DD>/<eventId>.json  its manifest  (written last)
#   <key_prefix>/<site>/recordings/<camera>/<YYYY-MM-DD>/<HHMMSS>.<ext>  whole recordings (upload.continuous,
#                                  upload.mode: segment; the uploader may write them only with allow_recording_uploads)
# and, in the 0.1 layout (no sites, or legacy_site), the same without <site>/.

locals {
  key_prefix  = var.key_prefix == "" ? "" : "${var.key_prefix}/"
  clip_prefix = "${local.key_prefix}clips/"

  # Sites (sites.tf): each site's clips live under <key_prefix>/<site>/clips/. The 0.1 layout (clips/ without a site)
  # stays in use when no site is declared, or when legacy_site names the site its clips belong to.
  legacy_layout = length(var.sites) == 0 || var.legacy_site != null
  legacy_site   = coalesce(var.legacy_site, "home")
  # Every clip prefix, by site ("" = the 0.1 layout).
  clip_prefixes = merge(
    local.legacy_layout ? { "" = local.clip_prefix } : {},
    { for site in keys(var.sites) : site => "${local.key_prefix}${site}/clips/" },
  )

  bucket_arn  = aws_s3_bucket.clips.arn
  storage_url = var.key_prefix == "" ? "s3://${aws_s3_bucket.clips.bucket}" : "s3://${aws_s3_bucket.clips.bucket}/${var.key_prefix}"

  # Object ARNs under the clip prefixes (every site's), by kind. In IAM resource ARNs `*` also matches `/`, so
  # ".../clips/*.mp4" is every clip video at any depth and nothing else.
  clip_video_arns    = [for p in values(local.clip_prefixes) : "${local.bucket_arn}/${p}*.mp4"]
  clip_poster_arns   = [for p in values(local.clip_prefixes) : "${local.bucket_arn}/${p}*.jpg"]
  clip_manifest_arns = [for p in values(local.clip_prefixes) : "${local.bucket_arn}/${p}*.json"]

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
