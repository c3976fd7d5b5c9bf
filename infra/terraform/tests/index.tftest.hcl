# The event index: the table, the indexer, its EventBridge trigger and its exact permissions.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name        = "cctv-test-clips"
  key_prefix         = "cctv"
  transcode_zip_path = "tests/fixtures/handler.zip"
  analyze_zip_path   = "tests/fixtures/handler.zip"
  indexer_zip_path   = "tests/fixtures/handler.zip"
  ffmpeg_layer_arn   = "arn:aws:lambda:eu-west-2:123456789012:layer:ffmpeg:3"
  sites              = { home = {}, shop = {} }
  legacy_site        = "home"
  expire_after_days  = 200
}

run "table_function_trigger_and_exact_permissions" {
  command = apply

  # --- the table: on-demand, the keys and indexes of src/lib/catalog/dynamodb/table.ts, TTL
  assert {
    condition = (
      aws_dynamodb_table.events[0].name == "cctv-events" && aws_dynamodb_table.events[0].billing_mode == "PAY_PER_REQUEST" &&
      aws_dynamodb_table.events[0].hash_key == "pk" && aws_dynamodb_table.events[0].range_key == "sk" &&
      toset([for a in aws_dynamodb_table.events[0].attribute : "${a.name}:${a.type}"]) == toset(["pk:S", "sk:S", "lpk:S", "cpk:S", "lsk:S"])
    )
    error_message = "The table is on demand with string keys pk/sk and the list keys lpk, cpk, lsk."
  }
  assert {
    condition = toset([for g in aws_dynamodb_table.events[0].global_secondary_index : "${g.name}:${g.hash_key}:${g.range_key}:${g.projection_type}"]) == toset([
      "bySite:lpk:lsk:ALL", "byCamera:cpk:lsk:ALL",
    ])
    error_message = "Two indexes, bySite and byCamera, sorted by lsk, projecting everything (table.ts)."
  }
  assert {
    condition     = aws_dynamodb_table.events[0].ttl[0].attribute_name == "expiresAt" && aws_dynamodb_table.events[0].ttl[0].enabled
    error_message = "Entries expire by their expiresAt attribute."
  }

  # --- the function
  assert {
    condition = (
      aws_lambda_function.indexer[0].runtime == "nodejs22.x" && aws_lambda_function.indexer[0].handler == "index.handler" &&
      try(length(aws_lambda_function.indexer[0].layers), 0) == 0 &&
      aws_lambda_function.indexer[0].environment[0].variables == tomap({
        CCTV_STORAGE_URL       = "s3://cctv-test-clips/cctv"
        CCTV_LOG_LEVEL         = "info"
        CCTV_EVENTS_TABLE      = "cctv-events"
        CCTV_SITES             = "home,shop"
        CCTV_INDEX_EXPIRE_DAYS = "200"
        CCTV_LEGACY_SITE       = "home"
      })
    )
    error_message = "The indexer runs on nodejs22.x without ffmpeg, with exactly the documented environment."
  }

  # --- EventBridge: the bucket sends its events, the rule picks the manifests of every clip prefix
  assert {
    condition     = aws_s3_bucket_notification.hooks[0].eventbridge
    error_message = "The bucket sends its events to EventBridge."
  }
  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.manifests[0].event_pattern) == {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail = {
        bucket = { name = ["cctv-test-clips"] }
        object = { key = [{ wildcard = "cctv/clips/*.json" }, { wildcard = "cctv/home/clips/*.json" }, { wildcard = "cctv/shop/clips/*.json" }] }
      }
    }
    error_message = "The rule matches Object Created events of manifests under each site's clip prefix and the 0.1 one."
  }
  assert {
    condition = (
      aws_cloudwatch_event_target.indexer[0].arn == aws_lambda_function.indexer[0].arn &&
      aws_lambda_permission.events_invoke[0].principal == "events.amazonaws.com" &&
      aws_lambda_permission.events_invoke[0].source_arn == aws_cloudwatch_event_rule.manifests[0].arn
    )
    error_message = "Only the manifest rule may invoke the indexer."
  }

  # --- IAM exact: read manifests, list the clip prefixes, PutItem on the table; logs and DLQ
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.indexer[0].policy).Statement : {
      Action = s.Action, Resource = s.Resource, Condition = try(s.Condition, null)
      }] == [
      { Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::cctv-test-clips/cctv/clips/*.json", "arn:aws:s3:::cctv-test-clips/cctv/home/clips/*.json", "arn:aws:s3:::cctv-test-clips/cctv/shop/clips/*.json"], Condition = null },
      { Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::cctv-test-clips"], Condition = { StringLike = { "s3:prefix" = ["cctv/clips/*", "cctv/home/clips/*", "cctv/shop/clips/*"] } } },
      { Action = ["dynamodb:PutItem"], Resource = ["arn:aws:dynamodb:eu-west-2:123456789012:table/cctv-events"], Condition = null },
      { Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = ["arn:aws:logs:eu-west-2:123456789012:log-group:/aws/lambda/cctv-mock:*"], Condition = null },
      { Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:eu-west-2:123456789012:cctv-hooks-dlq"], Condition = null },
    ]
    error_message = "The indexer may read manifests, list the clip prefixes and put index items: nothing else (no Scan, no Delete, no GetItem)."
  }
}

run "index_can_be_turned_off" {
  command = plan

  variables {
    enable_index = false
  }

  assert {
    condition = (
      length(aws_dynamodb_table.events) == 0 && length(aws_lambda_function.indexer) == 0 && length(aws_cloudwatch_event_rule.manifests) == 0 &&
      !aws_s3_bucket_notification.hooks[0].eventbridge
    )
    error_message = "Without the index: no table, no indexer, no rule, and the bucket sends nothing to EventBridge."
  }
}
