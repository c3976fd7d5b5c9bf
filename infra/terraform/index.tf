# The indexer: S3 "Object Created" events for manifests (<key_prefix>/<site>/clips/…/*.json, and the
# 0.1 layout's) reach it through EventBridge (S3 notifications allow one function per prefix and
# suffix, and the analyze hook holds *.json); it writes each manifest's entry into the events table.
# Invoked with {"reindex": true} it rebuilds the table from every manifest (README, "Event index").

locals {
  indexer_zip = coalesce(var.indexer_zip_path, "${local.repo_root}/dist/lambda/indexer.zip")

  indexer_statements = [
    {
      Sid      = "ReadManifests"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = local.clip_manifest_arns
    },
    {
      # The reindex invocation lists each clip prefix.
      Sid       = "ListClipPrefixes"
      Effect    = "Allow"
      Action    = ["s3:ListBucket"]
      Resource  = [local.bucket_arn]
      Condition = { StringLike = { "s3:prefix" = [for p in values(local.clip_prefixes) : "${p}*"] } }
    },
    {
      # Whole-item writes only (conditional on the S3 sequencer): no reads, no deletes, no scans.
      Sid      = "WriteIndexEntries"
      Effect   = "Allow"
      Action   = ["dynamodb:PutItem"]
      Resource = aws_dynamodb_table.events[*].arn
    },
    {
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = [for g in aws_cloudwatch_log_group.indexer : "${g.arn}:*"]
    },
    {
      Sid      = "SendToDeadLetterQueue"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = [aws_sqs_queue.dead_letter.arn]
    },
  ]
}

resource "aws_cloudwatch_log_group" "indexer" {
  count = var.enable_index ? 1 : 0

  name              = "/aws/lambda/${var.name}-indexer"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "indexer" {
  count = var.enable_index ? 1 : 0

  name               = "${var.name}-indexer"
  description        = "Execution role of the cctv event indexer"
  assume_role_policy = local.lambda_trust_policy
}

resource "aws_iam_role_policy" "indexer" {
  count = var.enable_index ? 1 : 0

  name = "${var.name}-indexer"
  role = aws_iam_role.indexer[0].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.indexer_statements, local.kms_statements)
  })
}

resource "aws_lambda_function" "indexer" {
  count = var.enable_index ? 1 : 0

  function_name    = "${var.name}-indexer"
  description      = "cctv: manifests into the event index (DynamoDB) for the hosted web app"
  role             = aws_iam_role.indexer[0].arn
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  handler          = "index.handler"
  filename         = local.indexer_zip
  source_code_hash = fileexists(local.indexer_zip) ? filebase64sha256(local.indexer_zip) : null
  memory_size      = var.indexer_memory_mb
  timeout          = var.indexer_timeout_seconds

  environment {
    variables = merge({
      CCTV_STORAGE_URL       = local.storage_url
      CCTV_LOG_LEVEL         = var.log_level
      CCTV_EVENTS_TABLE      = aws_dynamodb_table.events[0].name
      CCTV_SITES             = join(",", keys(var.sites))
      CCTV_INDEX_EXPIRE_DAYS = tostring(var.expire_after_days)
    }, local.legacy_layout ? { CCTV_LEGACY_SITE = local.legacy_site } : {})
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letter.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.indexer[0].name
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.indexer_zip)
      error_message = "${local.indexer_zip} does not exist: run `npm run build:lambda` at the repository root (or set indexer_zip_path)."
    }
  }

  depends_on = [aws_iam_role_policy.indexer, aws_cloudwatch_log_group.indexer]
}

resource "aws_lambda_function_event_invoke_config" "indexer" {
  count = var.enable_index ? 1 : 0

  function_name                = aws_lambda_function.indexer[0].function_name
  maximum_retry_attempts       = var.max_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_seconds
}

# The bucket sends every event to EventBridge (notifications.tf, eventbridge = true); this rule
# picks the manifests under the clip prefixes of this bucket.
resource "aws_cloudwatch_event_rule" "manifests" {
  count = var.enable_index ? 1 : 0

  name        = "${var.name}-manifests"
  description = "cctv: clip manifests created in ${aws_s3_bucket.clips.bucket}"
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [aws_s3_bucket.clips.bucket] }
      object = { key = [for p in values(local.clip_prefixes) : { wildcard = "${p}*.json" }] }
    }
  })
}

resource "aws_cloudwatch_event_target" "indexer" {
  count = var.enable_index ? 1 : 0

  rule      = aws_cloudwatch_event_rule.manifests[0].name
  target_id = "${var.name}-indexer"
  arn       = aws_lambda_function.indexer[0].arn

  retry_policy {
    maximum_event_age_in_seconds = var.maximum_event_age_seconds
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

resource "aws_lambda_permission" "events_invoke" {
  count = var.enable_index ? 1 : 0

  statement_id  = "AllowInvokeFromManifestRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.indexer[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.manifests[0].arn
}
