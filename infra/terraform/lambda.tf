# The two S3-triggered hooks. Each runs cctv's own library code (src/lambda/, bundled by
# `npm run build:lambda`) with ffmpeg from a layer; see the README for the trigger design.

locals {
  repo_root = abspath("${path.module}/../..")

  hook_settings = {
    transcode = {
      description = "cctv: faststart H.264 MP4 for clips browsers cannot play; posters for clips cctv did not upload"
      zip_path    = coalesce(var.transcode_zip_path, "${local.repo_root}/dist/lambda/transcode.zip")
      memory      = var.transcode_memory_mb
      timeout     = var.transcode_timeout_seconds
      ephemeral   = var.transcode_ephemeral_storage_mb
      reserved    = var.transcode_reserved_concurrency
      # Triggered by the clip itself.
      trigger_suffix = ".mp4"
    }
    analyze = {
      description = "cctv: Rekognition labels for clips nothing settled, into the manifest; alerts"
      zip_path    = coalesce(var.analyze_zip_path, "${local.repo_root}/dist/lambda/analyze.zip")
      memory      = var.analyze_memory_mb
      timeout     = var.analyze_timeout_seconds
      ephemeral   = var.analyze_ephemeral_storage_mb
      reserved    = var.analyze_reserved_concurrency
      # Triggered by the manifest, which cctv writes after the clip and poster.
      trigger_suffix = ".json"
    }
  }

  common_environment = {
    CCTV_STORAGE_URL  = local.storage_url
    CCTV_FFMPEG_PATH  = var.ffmpeg_path
    CCTV_FFPROBE_PATH = var.ffprobe_path
    CCTV_LOG_LEVEL    = var.log_level
  }

  hook_environment = {
    transcode = merge(local.common_environment, {
      CCTV_CLIP_TAG = join("&", [for k, v in local.clip_tag : "${k}=${v}"])
    })
    analyze = merge(local.common_environment, {
      CCTV_DETECTOR       = "rekognition"
      CCTV_DETECT_LABELS  = join(",", var.detect_labels)
      CCTV_MIN_CONFIDENCE = tostring(var.min_confidence)
      CCTV_ALERT_LABELS   = join(",", var.alert_labels)
      CCTV_MAX_FRAMES     = tostring(var.max_frames_per_event)
      CCTV_SNS_TOPIC_ARN  = aws_sns_topic.alerts.arn
      # How long a new, unsettled manifest waits for the on-premise `cctv analyze` before Rekognition.
      CCTV_LOCAL_GRACE_SECONDS = tostring(var.local_analysis_grace_seconds)
      # Alert links as cctv analyze makes them (src/lib/alerts/links.ts).
      CCTV_ALERT_PRESIGN_SECONDS = tostring(var.alert_presign_seconds)
      }, var.webhook_url == null ? {} : { CCTV_WEBHOOK_URL = var.webhook_url },
    var.alert_public_url == null ? {} : { CCTV_ALERT_PUBLIC_URL = var.alert_public_url })
  }

  ffmpeg_layer_arn = var.ffmpeg_layer_arn != null ? var.ffmpeg_layer_arn : one(aws_lambda_layer_version.ffmpeg[*].arn)
}

# ---------------------------------------------------------------------------------------------
# ffmpeg layer (only when you bring a zip; otherwise ffmpeg_layer_arn names an existing one)
# ---------------------------------------------------------------------------------------------

# Static ffmpeg builds zip to more than Lambda's 50 MB direct-upload limit, so the layer goes
# through S3 (outside the clip prefix: no notification, no clip lifecycle).
resource "aws_s3_object" "ffmpeg_layer" {
  count = var.ffmpeg_layer_zip_path != null && length(local.hooks) > 0 ? 1 : 0

  bucket      = aws_s3_bucket.clips.id
  key         = "${local.key_prefix}lambda-artifacts/ffmpeg-layer.zip"
  source      = var.ffmpeg_layer_zip_path
  source_hash = fileexists(var.ffmpeg_layer_zip_path) ? filemd5(var.ffmpeg_layer_zip_path) : null

  lifecycle {
    precondition {
      condition     = fileexists(var.ffmpeg_layer_zip_path)
      error_message = "ffmpeg_layer_zip_path names no file: build the layer zip first (README, \"The ffmpeg layer\")."
    }
  }
}

resource "aws_lambda_layer_version" "ffmpeg" {
  count = var.ffmpeg_layer_zip_path != null && length(local.hooks) > 0 ? 1 : 0

  layer_name               = "${var.name}-ffmpeg"
  description              = "ffmpeg and ffprobe (static) for the cctv hooks"
  s3_bucket                = aws_s3_object.ffmpeg_layer[0].bucket
  s3_key                   = aws_s3_object.ffmpeg_layer[0].key
  source_code_hash         = fileexists(var.ffmpeg_layer_zip_path) ? filebase64sha256(var.ffmpeg_layer_zip_path) : null
  compatible_runtimes      = [var.lambda_runtime]
  compatible_architectures = [var.lambda_architecture]
}

# ---------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "hook" {
  for_each = toset(local.hooks)

  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
}

# Where events go once Lambda has given up on them (retries exhausted, or too old).
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-hooks-dlq"
  message_retention_seconds = var.dlq_retention_seconds
  sqs_managed_sse_enabled   = true
}

resource "aws_lambda_function" "hook" {
  for_each = toset(local.hooks)

  function_name    = "${var.name}-${each.key}"
  description      = local.hook_settings[each.key].description
  role             = aws_iam_role.hook[each.key].arn
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  handler          = "index.handler"
  filename         = local.hook_settings[each.key].zip_path
  source_code_hash = fileexists(local.hook_settings[each.key].zip_path) ? filebase64sha256(local.hook_settings[each.key].zip_path) : null
  layers           = compact([local.ffmpeg_layer_arn])

  memory_size                    = local.hook_settings[each.key].memory
  timeout                        = local.hook_settings[each.key].timeout
  reserved_concurrent_executions = local.hook_settings[each.key].reserved

  ephemeral_storage {
    size = local.hook_settings[each.key].ephemeral
  }

  environment {
    variables = local.hook_environment[each.key]
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letter.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.hook[each.key].name
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.hook_settings[each.key].zip_path)
      error_message = "${local.hook_settings[each.key].zip_path} does not exist: run `npm run build:lambda` at the repository root (or set ${each.key}_zip_path)."
    }
    precondition {
      condition     = (var.ffmpeg_layer_arn == null) != (var.ffmpeg_layer_zip_path == null)
      error_message = "The hooks need ffmpeg: set exactly one of ffmpeg_layer_arn and ffmpeg_layer_zip_path."
    }
    precondition {
      condition     = each.key != "analyze" || length(setsubtract(var.alert_labels, var.detect_labels)) == 0
      error_message = "Every alert_labels entry must also be in detect_labels, or it can never fire: ${join(", ", setsubtract(var.alert_labels, var.detect_labels))}."
    }
    precondition {
      # The handler also stops waiting 60 s before its deadline; this keeps the configured grace period whole.
      condition     = each.key != "analyze" || var.analyze_timeout_seconds >= var.local_analysis_grace_seconds + 60
      error_message = "analyze_timeout_seconds (${var.analyze_timeout_seconds}) must be at least local_analysis_grace_seconds + 60 (${var.local_analysis_grace_seconds + 60}): the grace wait plus the analysis itself."
    }
  }

  # The role's policy must exist before the first invocation, and the log group before Lambda
  # would create one without retention.
  depends_on = [aws_iam_role_policy.hook, aws_cloudwatch_log_group.hook]
}

resource "aws_lambda_function_event_invoke_config" "hook" {
  for_each = toset(local.hooks)

  function_name                = aws_lambda_function.hook[each.key].function_name
  maximum_retry_attempts       = var.max_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_seconds
}

# Backstop against S3 -> Lambda -> S3 loops (the handlers also guard themselves, see README).
resource "aws_lambda_function_recursion_config" "hook" {
  for_each = toset(local.hooks)

  function_name  = aws_lambda_function.hook[each.key].function_name
  recursive_loop = "Terminate"
}

resource "aws_lambda_permission" "s3_invoke" {
  for_each = toset(local.hooks)

  statement_id   = "AllowInvokeFromClipBucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.hook[each.key].function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.clips.arn
  source_account = data.aws_caller_identity.current.account_id
}
