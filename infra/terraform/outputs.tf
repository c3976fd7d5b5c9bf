output "bucket_name" {
  description = "Name of the clip bucket."
  value       = aws_s3_bucket.clips.bucket
}

output "bucket_arn" {
  description = "ARN of the clip bucket."
  value       = aws_s3_bucket.clips.arn
}

output "region" {
  description = "Region of the bucket and hooks: cctv's storage.region."
  value       = var.region
}

output "storage_url" {
  description = "Value for cctv's storage.url (s3://<bucket> or s3://<bucket>/<key_prefix>)."
  value       = local.storage_url
}

output "clip_prefix" {
  description = "Key prefix the hooks watch and the uploader may write to (<key_prefix>/clips/)."
  value       = local.clip_prefix
}

output "clip_lifecycle_tag" {
  description = "Tag cctv must put on clip videos (.mp4) so the Glacier IR transition applies to them only."
  value       = local.clip_tag
}

output "uploader_user_name" {
  description = "IAM user for the on-premise server (null when create_uploader_user = false). Create its access key with `aws iam create-access-key --user-name <this>`."
  value       = one(aws_iam_user.uploader[*].name)
}

output "uploader_role_arn" {
  description = "Role the trusted principals can assume to upload (null when uploader_role_trusted_principal_arns is empty)."
  value       = one(aws_iam_role.uploader[*].arn)
}

output "uploader_policy_arn" {
  description = "Managed policy with the uploader's permissions (attach it to other principals if you need to)."
  value       = one(aws_iam_policy.uploader[*].arn)
}

output "function_names" {
  description = "Lambda hook names by role: { transcode = ..., analyze = ... } (only enabled hooks)."
  value       = { for k, f in aws_lambda_function.hook : k => f.function_name }
}

output "function_arns" {
  description = "Lambda hook ARNs by role."
  value       = { for k, f in aws_lambda_function.hook : k => f.arn }
}

output "log_group_names" {
  description = "CloudWatch log groups of the hooks, by role (`aws logs tail <name> --follow`)."
  value       = { for k, g in aws_cloudwatch_log_group.hook : k => g.name }
}

output "alerts_topic_arn" {
  description = "SNS topic the analyze hook publishes alerts to."
  value       = aws_sns_topic.alerts.arn
}

output "dead_letter_queue_url" {
  description = "SQS queue holding S3 events the hooks gave up on (inspect, then re-drive or delete)."
  value       = aws_sqs_queue.dead_letter.url
}

output "ffmpeg_layer_arn" {
  description = "ffmpeg layer the hooks use (the one given, or the one published from ffmpeg_layer_zip_path)."
  value       = local.ffmpeg_layer_arn
}

output "site_storage_urls" {
  description = "cctv's storage.url for each site (with `site: <name>` in its config): s3://<bucket>/[<key_prefix>/]<site>."
  value       = { for site, _ in var.sites : site => "s3://${aws_s3_bucket.clips.bucket}/${local.key_prefix}${site}" }
}

output "site_uploader_user_names" {
  description = "IAM user of each site's server (sites with create_uploader_user). Create its access key with `aws iam create-access-key --user-name <this>`."
  value       = { for site, u in aws_iam_user.site_uploader : site => u.name }
}

output "site_uploader_role_arns" {
  description = "Role each site's trusted principals assume to upload (sites with uploader_role_trusted_principal_arns)."
  value       = { for site, r in aws_iam_role.site_uploader : site => r.arn }
}

output "events_table_name" {
  description = "The event index table (DynamoDB): `cctv cloud reindex --table <this>`; the hosted app reads it. null when enable_index = false."
  value       = one(aws_dynamodb_table.events[*].name)
}

output "indexer_function_name" {
  description = "The indexer function: `aws lambda invoke --function-name <this> --payload '{\"reindex\":true}' out.json` rebuilds the index."
  value       = one(aws_lambda_function.indexer[*].function_name)
}

output "web_url" {
  description = "The hosted web app (null without enable_web)."
  value       = var.enable_web ? "https://${aws_cloudfront_distribution.web[0].domain_name}" : null
}

output "web_user_pool_id" {
  description = "The user pool to create the web app's users in (`aws cognito-idp admin-create-user --user-pool-id <this>`), null without enable_web."
  value       = one(aws_cognito_user_pool.web[*].id)
}

output "web_function_name" {
  description = "The web app's Lambda function (null without enable_web)."
  value       = one(aws_lambda_function.web[*].function_name)
}

output "web_settings_parameter" {
  description = "The SSM parameter holding the web app's settings (null without enable_web)."
  value       = var.enable_web ? aws_ssm_parameter.web_settings[0].name : null
}
