# The hosted web app (enable_web): the web Lambda (src/lambda/web.ts, the same app as `cctv serve`) behind a
# function URL with auth type AWS_IAM that only this CloudFront distribution may call (Origin Access Control
# signs every origin request). Nothing is public but the distribution: the function URL refuses unsigned
# requests, the bucket stays private (media are short-lived presigned URLs), the tables are reached by the
# function's role only. Sign-in is the Cognito user pool of cognito.tf.
#
# Settings: one SSM parameter the function reads at its first request. The distribution's name and the app
# client's id cannot go in the function's environment: the distribution's origin is the function's URL, so that
# would be a dependency cycle (function → URL → distribution → function).

locals {
  web_count = var.enable_web ? 1 : 0
  # The sites the app serves: every declared site, and the 0.1 layout's (legacy_site) while it is in use.
  web_sites               = distinct(concat(keys(var.sites), local.legacy_layout ? [local.legacy_site] : []))
  web_settings_parameter  = "/${var.name}/web/settings"
  web_zip_path            = coalesce(var.web_zip_path, "${local.repo_root}/dist/lambda/web.zip")
  web_origin_id           = "web-function-url"
  cloudfront_caching_off  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" # managed policy Managed-CachingDisabled
  cloudfront_all_but_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac" # managed policy Managed-AllViewerExceptHostHeader
}

resource "aws_cloudwatch_log_group" "web" {
  count = local.web_count

  name              = "/aws/lambda/${var.name}-web"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "web" {
  count = local.web_count

  name               = "${var.name}-web"
  description        = "Execution role of the cctv hosted web app"
  assume_role_policy = local.lambda_trust_policy
}

resource "aws_iam_role_policy" "web" {
  count = local.web_count

  name = "${var.name}-web"
  role = aws_iam_role.web[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid    = "ReadSettings"
        Effect = "Allow"
        Action = ["ssm:GetParameter"]
        # By name, not by the resource: the parameter depends on the distribution, which depends on this function.
        Resource = ["arn:aws:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter${local.web_settings_parameter}"]
      },
      {
        # The events list and a clip's lookup: reads of the index, never a write.
        Sid      = "ReadEventIndex"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:Query"]
        Resource = flatten([for arn in aws_dynamodb_table.events[*].arn : [arn, "${arn}/index/*"]])
      },
      {
        Sid      = "KeepSessions"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
        Resource = [aws_dynamodb_table.web_sessions[0].arn]
      },
      {
        # Presigned URLs carry the signer's permissions: clips and posters, not manifests, nothing else.
        Sid      = "PresignClipsAndPosters"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = concat(local.clip_video_arns, local.clip_poster_arns)
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.web[0].arn}:*"]
      },
    ], local.kms_statements)
  })
}

resource "aws_lambda_function" "web" {
  count = local.web_count

  function_name    = "${var.name}-web"
  description      = "cctv: the hosted web app (events and clips of every site, Cognito sign-in)"
  role             = aws_iam_role.web[0].arn
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  handler          = "index.handler"
  filename         = local.web_zip_path
  source_code_hash = filebase64sha256(local.web_zip_path)
  memory_size      = var.web_memory_mb
  timeout          = var.web_timeout_seconds

  # Also a cost ceiling: at most this many requests at once.
  reserved_concurrent_executions = var.web_reserved_concurrency

  environment {
    variables = {
      CCTV_WEB_SETTINGS = local.web_settings_parameter
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.web[0].name
  }

  lifecycle {
    precondition {
      condition     = var.enable_index
      error_message = "enable_web needs enable_index: the hosted app lists events from the event index."
    }
  }

  depends_on = [aws_iam_role_policy.web]
}

resource "aws_lambda_function_url" "web" {
  count = local.web_count

  function_name      = aws_lambda_function.web[0].function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "BUFFERED"
}

# CloudFront may invoke the function through its URL, for this distribution only. AWS asks for both
# permissions on a function URL (lambda:InvokeFunctionUrl and lambda:InvokeFunction).
resource "aws_lambda_permission" "web_url" {
  count = local.web_count

  statement_id           = "CloudFrontInvokeFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.web[0].function_name
  principal              = "cloudfront.amazonaws.com"
  source_arn             = aws_cloudfront_distribution.web[0].arn
  function_url_auth_type = "AWS_IAM"
}

resource "aws_lambda_permission" "web_invoke" {
  count = local.web_count

  statement_id  = "CloudFrontInvokeFunction"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.web[0].function_name
  principal     = "cloudfront.amazonaws.com"
  source_arn    = aws_cloudfront_distribution.web[0].arn
}

resource "aws_cloudfront_origin_access_control" "web" {
  count = local.web_count

  name                              = "${var.name}-web"
  description                       = "cctv: CloudFront signs every request to the web function URL"
  origin_access_control_origin_type = "lambda"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# HSTS for the app's origin (the app sets its other security headers itself).
resource "aws_cloudfront_response_headers_policy" "web" {
  count = local.web_count

  name    = "${var.name}-web"
  comment = "cctv: HSTS"
  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = false
      override                   = true
    }
  }
}

resource "aws_cloudfront_distribution" "web" {
  count = local.web_count

  enabled         = true
  comment         = "cctv hosted web app"
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.web_price_class

  origin {
    origin_id                = local.web_origin_id
    domain_name              = split("/", aws_lambda_function_url.web[0].function_url)[2]
    origin_access_control_id = aws_cloudfront_origin_access_control.web[0].id

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id = local.web_origin_id
    # All methods reach the app, which answers 405 to what it does not serve; the only POST is sign-out, whose
    # empty body's sha256 the page sends (OAC needs it). Nothing is cached: every answer is per user.
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    cache_policy_id            = local.cloudfront_caching_off
    origin_request_policy_id   = local.cloudfront_all_but_host
    response_headers_policy_id = aws_cloudfront_response_headers_policy.web[0].id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

# Sessions of the hosted app (src/lib/catalog/hosted-sessions.ts: keep them in step). Items expire by
# themselves at the session's absolute end (TTL on expiresAt); every read checks the times anyway.
resource "aws_dynamodb_table" "web_sessions" {
  count = local.web_count

  name         = "${var.name}-web-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "idHash"

  attribute {
    name = "idHash"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_ssm_parameter" "web_settings" {
  count = local.web_count

  name        = local.web_settings_parameter
  description = "cctv hosted web app settings (read by the ${var.name}-web function; src/lambda/web.ts webSettingsSchema)"
  type        = "String"
  value = jsonencode({
    publicOrigin     = "https://${aws_cloudfront_distribution.web[0].domain_name}"
    userPoolId       = aws_cognito_user_pool.web[0].id
    clientId         = aws_cognito_user_pool_client.web[0].id
    cognitoDomain    = "https://${aws_cognito_user_pool_domain.web[0].domain}.auth.${var.region}.amazoncognito.com"
    storageUrl       = local.storage_url
    eventsTable      = one(aws_dynamodb_table.events[*].name)
    sessionsTable    = aws_dynamodb_table.web_sessions[0].name
    sites            = local.web_sites
    adminGroup       = var.web_admin_group
    presignSeconds   = var.web_presign_seconds
    sessionIdleHours = var.web_session_idle_hours
    sessionMaxDays   = var.web_session_max_days
    logLevel         = var.log_level
  })
}
