# Least privilege. Every Allow names the exact actions and the narrowest resources: object ARNs
# by suffix under the clip prefix, the hook's own log group, the DLQ, the alerts topic. The one
# `*` resource is rekognition:DetectLabels, which has no resource-level permissions.

locals {
  # Who may assume a function's execution role: Lambda.
  lambda_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  hook_statements = {
    # What each hook's code does is listed in src/lambda/permissions.ts (IAM_GRANTS); test/infra checks these
    # statements against that table, and the Lambda tests check the hooks' operations against it.
    transcode = [
      {
        # The clip it rewrites; the poster it wrote (cctv verifies every put: HEAD for size and sha256).
        Sid      = "ReadClipVideosAndPosters"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = concat(local.clip_video_arns, local.clip_poster_arns)
      },
      {
        # In-place faststart/H.264 rewrite of the clip and its poster.
        Sid      = "WriteClipVideosAndPosters"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]
        Resource = concat(local.clip_video_arns, local.clip_poster_arns)
      },
      {
        Sid      = "RetagClipVideos"
        Effect   = "Allow"
        Action   = ["s3:PutObjectTagging"]
        Resource = local.clip_video_arns
      },
    ]
    analyze = [
      {
        # Manifests; clips (frames through a presigned URL); clips and posters again through the presigned links
        # its alerts carry, which are signed with this role: without the posters the alert's picture is a 403.
        Sid      = "ReadClipsPostersAndManifests"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = concat(local.clip_video_arns, local.clip_poster_arns, local.clip_manifest_arns)
      },
      {
        Sid      = "WriteLabelsIntoManifests"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = local.clip_manifest_arns
      },
      {
        # DetectLabels supports no resource-level permissions: "*" is the only valid resource.
        Sid      = "DetectLabels"
        Effect   = "Allow"
        Action   = ["rekognition:DetectLabels"]
        Resource = ["*"]
      },
      {
        Sid      = "PublishAlerts"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = [aws_sns_topic.alerts.arn]
      },
    ]
  }
}

# ---------------------------------------------------------------------------------------------
# Lambda execution roles, one per hook
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "hook" {
  for_each = toset(local.hooks)

  name               = "${var.name}-${each.key}"
  description        = "Execution role of the cctv ${each.key} hook"
  assume_role_policy = local.lambda_trust_policy
}

resource "aws_iam_role_policy" "hook" {
  for_each = toset(local.hooks)

  name = "${var.name}-${each.key}"
  role = aws_iam_role.hook[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.hook_statements[each.key], [
      {
        # The log group exists already (lambda.tf), so no logs:CreateLogGroup.
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.hook[each.key].arn}:*"]
      },
      {
        Sid      = "SendToDeadLetterQueue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [aws_sqs_queue.dead_letter.arn]
      },
    ], local.kms_statements)
  })
}

# ---------------------------------------------------------------------------------------------
# Uploader: the on-premise cctv server
# ---------------------------------------------------------------------------------------------

# The 0.1 uploader (clips/ without a site): only while that layout is in use. Sites have their own (sites.tf).
locals {
  create_uploader_role = local.legacy_layout && length(var.uploader_role_trusted_principal_arns) > 0
  create_uploader_user = local.legacy_layout && var.create_uploader_user

  # The same statements as a site's uploader (sites.tf), over the 0.1 clip prefix.
  uploader_statements = local.uploader_statements_by_prefix[""]
}

resource "aws_iam_policy" "uploader" {
  count = local.create_uploader_user || local.create_uploader_role ? 1 : 0

  name        = "${var.name}-uploader"
  description = "cctv on-premise server: store clips under ${local.clip_prefix} in ${aws_s3_bucket.clips.bucket}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.uploader_statements
  })
}

resource "aws_iam_user" "uploader" {
  count = local.create_uploader_user ? 1 : 0

  name = "${var.name}-uploader"
  path = "/cctv/"
}

resource "aws_iam_user_policy_attachment" "uploader" {
  count = local.create_uploader_user ? 1 : 0

  user       = aws_iam_user.uploader[0].name
  policy_arn = aws_iam_policy.uploader[0].arn
}

resource "aws_iam_role" "uploader" {
  count = local.create_uploader_role ? 1 : 0

  name                 = "${var.name}-uploader"
  description          = "cctv on-premise server: store clips"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = var.uploader_role_trusted_principal_arns }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "uploader" {
  count = local.create_uploader_role ? 1 : 0

  role       = aws_iam_role.uploader[0].name
  policy_arn = aws_iam_policy.uploader[0].arn
}
