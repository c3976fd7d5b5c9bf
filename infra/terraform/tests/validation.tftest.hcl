# Bad inputs are refused at plan time with a message naming the variable.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name        = "cctv-test-clips"
  transcode_zip_path = "tests/fixtures/handler.zip"
  analyze_zip_path   = "tests/fixtures/handler.zip"
  ffmpeg_layer_arn   = "arn:aws:lambda:eu-west-2:123456789012:layer:ffmpeg:3"
}

run "defaults_are_valid" {
  command = plan
}

run "negative_glacier_days" {
  command = plan
  variables {
    glacier_after_days = -1
  }
  expect_failures = [var.glacier_after_days]
}

run "fractional_expiry" {
  command = plan
  variables {
    expire_after_days = 30.5
  }
  expect_failures = [var.expire_after_days]
}

run "expiry_before_glacier" {
  command = plan
  variables {
    glacier_after_days = 90
    expire_after_days  = 60
  }
  expect_failures = [aws_s3_bucket_lifecycle_configuration.clips]
}

run "short_glacier_stay_only_warns" {
  command = plan
  variables {
    glacier_after_days = 30
    expire_after_days  = 60
  }
  expect_failures = [check.glacier_minimum_storage_duration]
}

run "confidence_as_percent" {
  command = plan
  variables {
    min_confidence = 60
  }
  expect_failures = [var.min_confidence]
}

run "unsupported_log_retention" {
  command = plan
  variables {
    log_retention_days = 10
  }
  expect_failures = [var.log_retention_days]
}

run "key_prefix_with_slashes" {
  command = plan
  variables {
    key_prefix = "/site-a/"
  }
  expect_failures = [var.key_prefix]
}

run "key_prefix_dot_segment" {
  command = plan
  variables {
    key_prefix = "site-a/.hidden"
  }
  expect_failures = [var.key_prefix]
}

run "bad_bucket_name" {
  command = plan
  variables {
    bucket_name = "CCTV_Clips"
  }
  expect_failures = [var.bucket_name]
}

run "zero_reserved_concurrency" {
  command = plan
  variables {
    analyze_reserved_concurrency = 0
  }
  expect_failures = [var.analyze_reserved_concurrency]
}

run "lambda_timeout_over_limit" {
  command = plan
  variables {
    transcode_timeout_seconds = 901
  }
  expect_failures = [var.transcode_timeout_seconds]
}

run "unknown_runtime" {
  command = plan
  variables {
    lambda_runtime = "nodejs18.x"
  }
  expect_failures = [var.lambda_runtime]
}

run "layer_alias_instead_of_arn" {
  command = plan
  variables {
    ffmpeg_layer_arn = "ffmpeg"
  }
  expect_failures = [var.ffmpeg_layer_arn]
}

run "kms_alias_instead_of_key_arn" {
  command = plan
  variables {
    kms_key_arn = "alias/cctv"
  }
  expect_failures = [var.kms_key_arn]
}

run "bad_email" {
  command = plan
  variables {
    alert_emails = ["not-an-address"]
  }
  expect_failures = [var.alert_emails]
}

run "webhook_not_a_url" {
  command = plan
  variables {
    webhook_url = "ntfy.sh/topic"
  }
  expect_failures = [var.webhook_url]
}

run "label_with_comma" {
  command = plan
  variables {
    detect_labels = ["person,car"]
  }
  expect_failures = [var.detect_labels]
}

run "alert_label_never_detected" {
  command = plan
  variables {
    detect_labels = ["car"]
    alert_labels  = ["person"]
  }
  expect_failures = [aws_lambda_function.hook["analyze"]]
}

run "missing_handler_zip" {
  command = plan
  variables {
    transcode_zip_path = "tests/fixtures/missing.zip"
  }
  expect_failures = [aws_lambda_function.hook["transcode"]]
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
