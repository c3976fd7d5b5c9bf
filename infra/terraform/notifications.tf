# S3 event notifications: one configuration per bucket, owned here (do not add another
# aws_s3_bucket_notification for this bucket elsewhere: it would replace this one).
#
# S3 rejects two notifications for the same event type whose prefix/suffix filters overlap,
# so the two hooks are keyed on different files of the same clip:
#   <clip_prefix>...*.mp4   -> transcode   (the video arrived)
#   <clip_prefix>...*.json  -> analyze     (the manifest arrived: cctv writes it last, so the
#                                           clip and poster are already there)

resource "aws_s3_bucket_notification" "hooks" {
  count  = length(local.hooks) > 0 ? 1 : 0
  bucket = aws_s3_bucket.clips.id

  dynamic "lambda_function" {
    for_each = local.hooks
    content {
      id                  = "${var.name}-${lambda_function.value}"
      lambda_function_arn = aws_lambda_function.hook[lambda_function.value].arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = local.clip_prefix
      filter_suffix       = local.hook_settings[lambda_function.value].trigger_suffix
    }
  }

  # S3 test-invokes each function while saving the configuration.
  depends_on = [aws_lambda_permission.s3_invoke]
}
