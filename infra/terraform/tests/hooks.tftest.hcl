# The Lambda hooks: code, layer, limits, dead letters, logs, environment, and the S3 wiring.

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

run "functions_limits_dead_letters_logs" {
  command = apply

  variables {
    transcode_memory_mb            = 3008
    transcode_timeout_seconds      = 600
    transcode_reserved_concurrency = 3
    analyze_reserved_concurrency   = 7
    log_retention_days             = 14
    max_retry_attempts             = 1
  }

  # --- functions run the bundled handlers
  assert {
    condition     = toset(keys(aws_lambda_function.hook)) == toset(["transcode", "analyze"])
    error_message = "Both hooks exist by default."
  }
  assert {
    condition = alltrue([for f in aws_lambda_function.hook :
      f.runtime == "nodejs22.x" && f.handler == "index.handler" && f.filename == "tests/fixtures/handler.zip" &&
      f.source_code_hash == filebase64sha256("tests/fixtures/handler.zip") && f.architectures == tolist(["x86_64"])
    ])
    error_message = "Each hook runs index.handler from its zip on nodejs22.x, redeployed when the zip changes."
  }
  assert {
    condition     = alltrue([for f in aws_lambda_function.hook : f.layers == tolist([var.ffmpeg_layer_arn])])
    error_message = "Each hook gets the ffmpeg layer."
  }
  assert {
    condition     = aws_lambda_function.hook["transcode"].function_name == "cctv-transcode" && aws_lambda_function.hook["analyze"].function_name == "cctv-analyze"
    error_message = "Functions are named <name>-<hook>."
  }

  # --- limits dead letters and logs
  assert {
    condition     = aws_lambda_function.hook["transcode"].memory_size == 3008 && aws_lambda_function.hook["transcode"].timeout == 600
    error_message = "Memory and timeout come from the variables."
  }
  assert {
    condition = (
      aws_lambda_function.hook["analyze"].environment[0].variables["CCTV_LOCAL_GRACE_SECONDS"] == "30" &&
      aws_lambda_function.hook["analyze"].timeout == 120 && aws_lambda_function.hook["analyze"].timeout >= 30 + 60
    )
    error_message = "By default the analyze hook waits 30 s for an on-premise analysis, and its 120 s timeout leaves 60 s for the work after that."
  }
  assert {
    condition     = aws_lambda_function.hook["transcode"].reserved_concurrent_executions == 3 && aws_lambda_function.hook["analyze"].reserved_concurrent_executions == 7
    error_message = "Each hook has its reserved concurrency."
  }
  assert {
    condition     = alltrue([for f in aws_lambda_function.hook : f.dead_letter_config[0].target_arn == aws_sqs_queue.dead_letter.arn])
    error_message = "Failed events of both hooks go to the dead-letter queue."
  }
  assert {
    condition     = aws_sqs_queue.dead_letter.sqs_managed_sse_enabled && aws_sqs_queue.dead_letter.message_retention_seconds == 1209600
    error_message = "The dead-letter queue is encrypted and keeps events 14 days."
  }
  assert {
    condition     = alltrue([for k, c in aws_lambda_function_event_invoke_config.hook : c.maximum_retry_attempts == 1 && c.function_name == aws_lambda_function.hook[k].function_name])
    error_message = "Async retries come from max_retry_attempts."
  }
  assert {
    condition = alltrue([for k, g in aws_cloudwatch_log_group.hook :
      g.retention_in_days == 14 && g.name == "/aws/lambda/cctv-${k}" && aws_lambda_function.hook[k].logging_config[0].log_group == g.name
    ])
    error_message = "Each hook logs to its own group with the configured retention."
  }
  assert {
    condition     = alltrue([for k, r in aws_lambda_function_recursion_config.hook : r.recursive_loop == "Terminate"])
    error_message = "Lambda's recursive-loop detection must stop S3 -> Lambda -> S3 loops."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.dead_letters[0].dimensions.QueueName == aws_sqs_queue.dead_letter.name && aws_cloudwatch_metric_alarm.dead_letters[0].alarm_actions == toset([aws_sns_topic.alerts.arn])
    error_message = "A message in the dead-letter queue alarms on the alerts topic."
  }
}

run "environment_and_notifications" {
  command = apply

  variables {
    key_prefix                   = "site-a"
    detect_labels                = ["person", "car"]
    alert_labels                 = ["person"]
    min_confidence               = 0.75
    max_frames_per_event         = 8
    local_analysis_grace_seconds = 45
  }

  # --- environment the handlers read
  assert {
    condition = aws_lambda_function.hook["analyze"].environment[0].variables == tomap({
      CCTV_STORAGE_URL         = "s3://cctv-test-clips/site-a"
      CCTV_FFMPEG_PATH         = "/opt/bin/ffmpeg"
      CCTV_FFPROBE_PATH        = "/opt/bin/ffprobe"
      CCTV_LOG_LEVEL           = "info"
      CCTV_DETECTOR            = "rekognition"
      CCTV_DETECT_LABELS       = "person,car"
      CCTV_MIN_CONFIDENCE      = "0.75"
      CCTV_ALERT_LABELS        = "person"
      CCTV_MAX_FRAMES          = "8"
      CCTV_SNS_TOPIC_ARN       = "arn:aws:sns:eu-west-2:123456789012:cctv-alerts"
      CCTV_LOCAL_GRACE_SECONDS = "45"
      # Alert links as cctv analyze makes them: presigned this long without alert_public_url.
      CCTV_ALERT_PRESIGN_SECONDS = "3600"
    })
    error_message = "The analyze hook gets exactly the documented environment (no webhook unless set)."
  }
  assert {
    condition = aws_lambda_function.hook["transcode"].environment[0].variables == tomap({
      CCTV_STORAGE_URL  = "s3://cctv-test-clips/site-a"
      CCTV_FFMPEG_PATH  = "/opt/bin/ffmpeg"
      CCTV_FFPROBE_PATH = "/opt/bin/ffprobe"
      CCTV_LOG_LEVEL    = "info"
      CCTV_CLIP_TAG     = "class=clip"
    })
    error_message = "The transcode hook gets exactly the documented environment."
  }
  assert {
    condition     = output.storage_url == "s3://cctv-test-clips/site-a" && output.clip_prefix == "site-a/clips/"
    error_message = "The outputs give cctv's storage.url and the clip prefix."
  }

  # --- notifications wired to the functions
  # Distinct ARNs, so that a notification pointing at the wrong hook fails.
  override_resource {
    target = aws_lambda_function.hook["transcode"]
    values = { arn = "arn:aws:lambda:eu-west-2:123456789012:function:cctv-transcode" }
  }
  override_resource {
    target = aws_lambda_function.hook["analyze"]
    values = { arn = "arn:aws:lambda:eu-west-2:123456789012:function:cctv-analyze" }
  }

  assert {
    condition     = length(aws_s3_bucket_notification.hooks[0].lambda_function) == 2
    error_message = "One notification per hook."
  }
  assert {
    condition = anytrue([for n in aws_s3_bucket_notification.hooks[0].lambda_function :
      n.lambda_function_arn == aws_lambda_function.hook["transcode"].arn && n.events == toset(["s3:ObjectCreated:*"]) &&
      n.filter_prefix == "site-a/clips/" && n.filter_suffix == ".mp4"
    ])
    error_message = "New .mp4 clips under the clip prefix trigger the transcode hook."
  }
  assert {
    condition = anytrue([for n in aws_s3_bucket_notification.hooks[0].lambda_function :
      n.lambda_function_arn == aws_lambda_function.hook["analyze"].arn && n.events == toset(["s3:ObjectCreated:*"]) &&
      n.filter_prefix == "site-a/clips/" && n.filter_suffix == ".json"
    ])
    error_message = "New .json manifests under the clip prefix trigger the analyze hook."
  }
  assert {
    condition = alltrue([for k, p in aws_lambda_permission.s3_invoke :
      p.principal == "s3.amazonaws.com" && p.action == "lambda:InvokeFunction" && p.source_arn == aws_s3_bucket.clips.arn &&
      p.source_account == "123456789012" && p.function_name == aws_lambda_function.hook[k].function_name
    ])
    error_message = "Only this bucket, in this account, may invoke the hooks."
  }
}

run "webhook_reaches_only_the_analyze_hook" {
  command = plan

  variables {
    webhook_url = "https://ntfy.sh/cctv-test"
  }

  assert {
    condition     = aws_lambda_function.hook["analyze"].environment[0].variables["CCTV_WEBHOOK_URL"] == "https://ntfy.sh/cctv-test"
    error_message = "The webhook URL is passed to the analyze hook."
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.hook["transcode"].environment[0].variables), "CCTV_WEBHOOK_URL")
    error_message = "The transcode hook has no use for the webhook."
  }
}

run "analyze_can_be_turned_off" {
  command = apply

  variables {
    enable_analyze = false
  }

  assert {
    condition     = keys(aws_lambda_function.hook) == ["transcode"] && keys(aws_iam_role.hook) == ["transcode"]
    error_message = "enable_analyze = false removes the analyze hook and its role."
  }
  assert {
    condition     = [for n in aws_s3_bucket_notification.hooks[0].lambda_function : n.filter_suffix] == [".mp4"]
    error_message = "Only the transcode notification remains."
  }
}

run "no_hooks_no_notification" {
  command = plan

  variables {
    enable_analyze   = false
    enable_transcode = false
    enable_index     = false
    ffmpeg_layer_arn = null
  }

  assert {
    condition     = length(aws_lambda_function.hook) == 0 && length(aws_s3_bucket_notification.hooks) == 0 && length(aws_cloudwatch_metric_alarm.dead_letters) == 0
    error_message = "Without hooks there are no functions and no bucket notification (and ffmpeg is not needed)."
  }
}

run "ffmpeg_layer_from_a_zip_goes_through_s3" {
  command = apply

  variables {
    ffmpeg_layer_arn      = null
    ffmpeg_layer_zip_path = "tests/fixtures/handler.zip"
    lambda_architecture   = "arm64"
  }

  assert {
    condition     = aws_s3_object.ffmpeg_layer[0].key == "lambda-artifacts/ffmpeg-layer.zip" && aws_s3_object.ffmpeg_layer[0].source == "tests/fixtures/handler.zip"
    error_message = "The layer zip is uploaded outside the clip prefix (no notification, no clip lifecycle)."
  }
  assert {
    condition = (
      aws_lambda_layer_version.ffmpeg[0].s3_key == aws_s3_object.ffmpeg_layer[0].key &&
      aws_lambda_layer_version.ffmpeg[0].compatible_architectures == toset(["arm64"]) &&
      aws_lambda_layer_version.ffmpeg[0].compatible_runtimes == toset(["nodejs22.x"])
    )
    error_message = "The layer is published from the uploaded zip for the hooks' runtime and architecture."
  }
  assert {
    condition     = alltrue([for f in aws_lambda_function.hook : f.layers == tolist([aws_lambda_layer_version.ffmpeg[0].arn]) && f.architectures == tolist(["arm64"])])
    error_message = "Both hooks use the published layer."
  }
}
