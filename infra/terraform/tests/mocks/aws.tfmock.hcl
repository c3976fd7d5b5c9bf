# Values the mock provider returns for computed attributes. The AWS provider validates ARNs, so
# the random strings a mock would otherwise invent are not enough; fixed values also make the
# assertions readable. Shared by every tests/*.tftest.hcl (mock_provider "aws" { source = ... }).

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::cctv-test-clips" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/cctv-mock" }
}

mock_resource "aws_iam_policy" {
  defaults = { arn = "arn:aws:iam::123456789012:policy/cctv-uploader" }
}

mock_resource "aws_iam_user" {
  defaults = { arn = "arn:aws:iam::123456789012:user/cctv/cctv-uploader" }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-2:123456789012:cctv-hooks-dlq"
    url = "https://sqs.eu-west-2.amazonaws.com/123456789012/cctv-hooks-dlq"
  }
}

mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-west-2:123456789012:cctv-alerts" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-2:123456789012:log-group:/aws/lambda/cctv-mock" }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn        = "arn:aws:lambda:eu-west-2:123456789012:function:cctv-mock"
    invoke_arn = "arn:aws:apigateway:eu-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-2:123456789012:function:cctv-mock/invocations"
  }
}

mock_resource "aws_lambda_layer_version" {
  defaults = {
    arn                         = "arn:aws:lambda:eu-west-2:123456789012:layer:cctv-ffmpeg:1"
    layer_arn                   = "arn:aws:lambda:eu-west-2:123456789012:layer:cctv-ffmpeg"
    signing_job_arn             = "arn:aws:signer:eu-west-2:123456789012:/signing-jobs/mock"
    signing_profile_version_arn = "arn:aws:signer:eu-west-2:123456789012:/signing-profiles/mock/1"
  }
}

mock_resource "aws_dynamodb_table" {
  defaults = { arn = "arn:aws:dynamodb:eu-west-2:123456789012:table/cctv-events" }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = { arn = "arn:aws:events:eu-west-2:123456789012:rule/cctv-manifests" }
}

mock_resource "aws_lambda_function_url" {
  defaults = { function_url = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-2.on.aws/" }
}

mock_resource "aws_cloudfront_distribution" {
  defaults = {
    arn         = "arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"
    domain_name = "d111111abcdef8.cloudfront.net"
  }
}

mock_resource "aws_cognito_user_pool" {
  defaults = {
    id  = "eu-west-2_AbCdEf123"
    arn = "arn:aws:cognito-idp:eu-west-2:123456789012:userpool/eu-west-2_AbCdEf123"
  }
}

mock_resource "aws_ssm_parameter" {
  defaults = { arn = "arn:aws:ssm:eu-west-2:123456789012:parameter/cctv/web/settings" }
}
