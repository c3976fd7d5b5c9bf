# Bad inputs are refused at plan time with a message naming the variable. A run lists several
# bad inputs at once (each must fail on its own rule, and nothing else may fail): the runs are
# grouped to keep `terraform test` fast, since each run reloads the provider schema.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name        = "cctv-test-clips"
  transcode_zip_path = "tests/fixtures/handler.zip"
  analyze_zip_path   = "tests/fixtures/handler.zip"
  indexer_zip_path   = "tests/fixtures/handler.zip"
  ffmpeg_layer_arn   = "arn:aws:lambda:eu-west-2:123456789012:layer:ffmpeg:3"
}

run "defaults_are_valid" {
  command = plan
}

run "bad_values_are_refused" {
  command = plan

  variables {
    glacier_after_days                   = -1
    expire_after_days                    = 30.5
    min_confidence                       = 60 # a percentage instead of a fraction
    log_retention_days                   = 10 # not a value CloudWatch accepts
    key_prefix                           = "/site-a/"
    bucket_name                          = "CCTV_Clips"
    analyze_reserved_concurrency         = 0 # would disable the function
    transcode_timeout_seconds            = 901
    lambda_runtime                       = "nodejs18.x"
    lambda_architecture                  = "amd64"
    ffmpeg_path                          = "/usr/bin/ffmpeg" # layers unpack under /opt
    kms_key_arn                          = "alias/cctv"
    alert_emails                         = ["not-an-address"]
    webhook_url                          = "ntfy.sh/topic"
    detect_labels                        = ["person,car"]
    max_frames_per_event                 = 0
    local_analysis_grace_seconds         = 1.5
    name                                 = "CCTV"
    uploader_role_trusted_principal_arns = ["nvr-site-a"]
  }

  expect_failures = [
    var.glacier_after_days,
    var.expire_after_days,
    var.min_confidence,
    var.log_retention_days,
    var.key_prefix,
    var.bucket_name,
    var.analyze_reserved_concurrency,
    var.transcode_timeout_seconds,
    var.lambda_runtime,
    var.lambda_architecture,
    var.ffmpeg_path,
    var.kms_key_arn,
    var.alert_emails,
    var.webhook_url,
    var.detect_labels,
    var.max_frames_per_event,
    var.local_analysis_grace_seconds,
    var.name,
    var.uploader_role_trusted_principal_arns,
  ]
}

run "more_bad_values_are_refused" {
  command = plan

  variables {
    key_prefix       = "site-a/.hidden" # cctv keys never have dot segments
    ffmpeg_layer_arn = "ffmpeg"         # a name, not a versioned ARN
    region           = "London"
  }

  expect_failures = [var.key_prefix, var.ffmpeg_layer_arn, var.region]
}

run "inconsistent_settings_are_refused" {
  command = plan

  variables {
    glacier_after_days = 90
    expire_after_days  = 60 # deleted before it is even moved
    detect_labels      = ["car"]
    alert_labels       = ["person"] # can never fire
    transcode_zip_path = "tests/fixtures/missing.zip"
  }

  expect_failures = [
    aws_s3_bucket_lifecycle_configuration.clips,
    aws_lambda_function.hook["analyze"],
    aws_lambda_function.hook["transcode"],
  ]
}

run "grace_period_must_fit_in_the_analyze_timeout" {
  command = plan

  variables {
    local_analysis_grace_seconds = 90
    analyze_timeout_seconds      = 120 # 90 s of waiting leaves 30 s for the analysis
  }

  expect_failures = [aws_lambda_function.hook["analyze"]]
}

run "short_glacier_stay_only_warns" {
  command = plan

  variables {
    glacier_after_days = 30
    expire_after_days  = 60
  }

  expect_failures = [check.glacier_minimum_storage_duration]
}

run "no_ffmpeg_layer" {
  command = plan

  variables {
    ffmpeg_layer_arn = null
  }

  expect_failures = [aws_lambda_function.hook]
}

run "two_ffmpeg_layers" {
  command = plan

  variables {
    ffmpeg_layer_zip_path = "tests/fixtures/handler.zip"
  }

  expect_failures = [aws_lambda_function.hook]
}

run "missing_layer_zip" {
  command = plan

  variables {
    ffmpeg_layer_arn      = null
    ffmpeg_layer_zip_path = "tests/fixtures/missing-layer.zip"
  }

  expect_failures = [aws_s3_object.ffmpeg_layer]
}
