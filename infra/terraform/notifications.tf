# S3 event notifications: one configuration per bucket, owned here (do not add another
# aws_s3_bucket_notification for this bucket elsewhere: it would replace this one).
#
# S3 rejects two notifications for the same event type whose prefix/suffix filters overlap,
# so the two hooks are keyed on different files of the same clip:
#   <clip_prefix>...*.mp4   -> transcode   (the video arrived)
#   <clip_prefix>...*.json  -> analyze     (the manifest arrived: cctv writes it last, so the
#                                           clip and poster are already there)

#
# One configuration per hook and clip prefix (each site's, and the 0.1 layout's). The event
# index (index.tf) cannot have a third one on *.json: it takes S3's events through EventBridge.

resource "aws_s3_bucket_notification" "hooks" {
  count  = length(local.hooks) > 0 || var.enable_index ? 1 : 0
  bucket = aws_s3_bucket.clips.id

  eventbridge = var.enable_index

  dynamic "lambda_function" {
    for_each = { for pair in setproduct(local.hooks, keys(local.clip_prefixes)) : join("/", pair) => { hook = pair[0], site = pair[1] } }
    content {
      id                  = lambda_function.value.site == "" ? "${var.name}-${lambda_function.value.hook}" : "${var.name}-${lambda_function.value.hook}-${lambda_function.value.site}"
      lambda_function_arn = aws_lambda_function.hook[lambda_function.value.hook].arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = local.clip_prefixes[lambda_function.value.site]
      filter_suffix       = local.hook_settings[lambda_function.value.hook].trigger_suffix
    }
  }

  # S3 test-invokes each function while saving the configuration.
  depends_on = [aws_lambda_permission.s3_invoke]
}
