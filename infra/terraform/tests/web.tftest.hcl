# The hosted web app: reachable only through CloudFront (OAC-signed calls to an AWS_IAM function URL),
# an exact least-privilege role, settings in SSM (not in the environment), Cognito with admin-created
# users and a group per site.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name        = "cctv-test-clips"
  key_prefix         = "nvr"
  transcode_zip_path = "tests/fixtures/handler.zip"
  analyze_zip_path   = "tests/fixtures/handler.zip"
  indexer_zip_path   = "tests/fixtures/handler.zip"
  web_zip_path       = "tests/fixtures/handler.zip"
  ffmpeg_layer_arn   = "arn:aws:lambda:eu-west-2:123456789012:layer:ffmpeg:3"
  enable_web         = true
  sites = {
    home  = {}
    cabin = {}
  }
}

run "off_by_default" {
  command = plan

  variables {
    enable_web = false
  }

  assert {
    condition     = length(aws_lambda_function.web) + length(aws_cloudfront_distribution.web) + length(aws_cognito_user_pool.web) + length(aws_cognito_user_group.site) + length(aws_dynamodb_table.web_sessions) == 0
    error_message = "Without enable_web nothing of the hosted app is created."
  }
}

run "only_cloudfront_reaches_the_function" {
  command = apply

  override_resource {
    target = aws_dynamodb_table.web_sessions
    values = { arn = "arn:aws:dynamodb:eu-west-2:123456789012:table/cctv-web-sessions", name = "cctv-web-sessions" }
  }

  assert {
    condition     = aws_lambda_function_url.web[0].authorization_type == "AWS_IAM"
    error_message = "The function URL must require SigV4 (AWS_IAM): only CloudFront's OAC may call it."
  }
  assert {
    condition = toset([for p in [aws_lambda_permission.web_url[0], aws_lambda_permission.web_invoke[0]] : "${p.action} ${p.principal} ${p.source_arn}"]) == toset([
      "lambda:InvokeFunctionUrl cloudfront.amazonaws.com arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB",
      "lambda:InvokeFunction cloudfront.amazonaws.com arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB",
    ])
    error_message = "CloudFront, for this distribution only, gets both permissions a function URL needs; nobody else gets any."
  }
  assert {
    condition     = aws_lambda_permission.web_url[0].function_url_auth_type == "AWS_IAM"
    error_message = "The URL permission is for the AWS_IAM function URL."
  }
  assert {
    condition = (aws_cloudfront_origin_access_control.web[0].origin_access_control_origin_type == "lambda" &&
      aws_cloudfront_origin_access_control.web[0].signing_behavior == "always" &&
    aws_cloudfront_origin_access_control.web[0].signing_protocol == "sigv4")
    error_message = "OAC signs every origin request to Lambda with SigV4."
  }
  assert {
    condition = (one(aws_cloudfront_distribution.web[0].origin).domain_name == "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-2.on.aws" &&
    one(aws_cloudfront_distribution.web[0].origin).origin_access_control_id == aws_cloudfront_origin_access_control.web[0].id)
    error_message = "The distribution's one origin is the function URL's host, signed by the OAC."
  }
  assert {
    condition = (one(aws_cloudfront_distribution.web[0].default_cache_behavior).viewer_protocol_policy == "redirect-to-https" &&
      one(aws_cloudfront_distribution.web[0].default_cache_behavior).cache_policy_id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" &&
    one(aws_cloudfront_distribution.web[0].default_cache_behavior).origin_request_policy_id == "b689b0a8-53d0-40ab-baf2-68738e2966ac")
    error_message = "HTTPS only, nothing cached (answers are per user), every viewer header but Host forwarded."
  }
  assert {
    condition     = aws_lambda_function.web[0].runtime == "nodejs22.x" && aws_lambda_function.web[0].handler == "index.handler"
    error_message = "The web app runs on nodejs22.x."
  }
  assert {
    condition     = aws_lambda_function.web[0].environment[0].variables == tomap({ CCTV_WEB_SETTINGS = "/cctv/web/settings" })
    error_message = "The function's only variable is the settings parameter's name (no distribution-derived value: a cycle)."
  }
  assert {
    condition     = aws_dynamodb_table.web_sessions[0].hash_key == "idHash" && one(aws_dynamodb_table.web_sessions[0].ttl).attribute_name == "expiresAt"
    error_message = "The sessions table matches src/lib/catalog/hosted-sessions.ts (idHash, TTL on expiresAt)."
  }
}

run "the_role_reads_only_what_the_app_serves" {
  command = apply

  override_resource {
    target = aws_dynamodb_table.web_sessions
    values = { arn = "arn:aws:dynamodb:eu-west-2:123456789012:table/cctv-web-sessions", name = "cctv-web-sessions" }
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.web[0].policy).Statement : { Effect = s.Effect, Action = s.Action, Resource = s.Resource }] == [
      { Effect = "Allow", Action = ["ssm:GetParameter"], Resource = ["arn:aws:ssm:eu-west-2:123456789012:parameter/cctv/web/settings"] },
      { Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:Query"], Resource = ["arn:aws:dynamodb:eu-west-2:123456789012:table/cctv-events", "arn:aws:dynamodb:eu-west-2:123456789012:table/cctv-events/index/*"] },
      { Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Resource = ["arn:aws:dynamodb:eu-west-2:123456789012:table/cctv-web-sessions"] },
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = [
        "arn:aws:s3:::cctv-test-clips/nvr/cabin/clips/*.mp4", "arn:aws:s3:::cctv-test-clips/nvr/home/clips/*.mp4",
        "arn:aws:s3:::cctv-test-clips/nvr/cabin/clips/*.jpg", "arn:aws:s3:::cctv-test-clips/nvr/home/clips/*.jpg",
      ] },
      { Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = ["arn:aws:logs:eu-west-2:123456789012:log-group:/aws/lambda/cctv-mock:*"] },
    ]
    error_message = "The web role: its settings, reads of the index, its sessions, clips and posters to presign (no manifests, no writes to S3), its logs. Exactly."
  }
}

run "cognito_admin_created_users_a_group_per_site" {
  command = apply

  assert {
    condition     = one(aws_cognito_user_pool.web[0].admin_create_user_config).allow_admin_create_user_only == true
    error_message = "Nobody signs themselves up: an administrator creates every user."
  }
  assert {
    condition = (aws_cognito_user_pool_client.web[0].generate_secret == false &&
      aws_cognito_user_pool_client.web[0].allowed_oauth_flows == toset(["code"]) &&
      aws_cognito_user_pool_client.web[0].callback_urls == toset(["https://d111111abcdef8.cloudfront.net/auth/callback"]) &&
    aws_cognito_user_pool_client.web[0].logout_urls == toset(["https://d111111abcdef8.cloudfront.net/"]))
    error_message = "A public client (PKCE, no secret), code flow only, back to the distribution only."
  }
  assert {
    condition     = toset(keys(aws_cognito_user_group.site)) == toset(["home", "cabin"]) && aws_cognito_user_group.admins[0].name == "admins"
    error_message = "One group per site, and the admins group."
  }
  assert {
    condition = jsondecode(aws_ssm_parameter.web_settings[0].value) == {
      publicOrigin     = "https://d111111abcdef8.cloudfront.net"
      userPoolId       = "eu-west-2_AbCdEf123"
      clientId         = aws_cognito_user_pool_client.web[0].id
      cognitoDomain    = "https://cctv-123456789012.auth.eu-west-2.amazoncognito.com"
      storageUrl       = "s3://cctv-test-clips/nvr"
      eventsTable      = aws_dynamodb_table.events[0].name
      sessionsTable    = aws_dynamodb_table.web_sessions[0].name
      sites            = ["cabin", "home"]
      adminGroup       = "admins"
      presignSeconds   = 300
      sessionIdleHours = 72
      sessionMaxDays   = 30
      logLevel         = "info"
    }
    error_message = "The settings parameter holds what src/lambda/web.ts webSettingsSchema reads."
  }
}

run "needs_the_event_index" {
  command = plan

  variables {
    enable_index = false
  }

  expect_failures = [aws_lambda_function.web]
}
