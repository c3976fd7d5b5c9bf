# Least privilege: no wildcard actions, `*` resources only where AWS offers nothing narrower,
# each hook only what it uses, the uploader confined to the clip prefix.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name        = "cctv-test-clips"
  key_prefix         = "site-a"
  transcode_zip_path = "tests/fixtures/handler.zip"
  analyze_zip_path   = "tests/fixtures/handler.zip"
  indexer_zip_path   = "tests/fixtures/handler.zip"
  ffmpeg_layer_arn   = "arn:aws:lambda:eu-west-2:123456789012:layer:ffmpeg:3"
}

run "default_policies_are_narrow" {
  command = apply

  # --- no wildcard actions anywhere
  assert {
    condition = alltrue(flatten([
      for p in concat(values(aws_iam_role_policy.hook)[*].policy, aws_iam_policy.uploader[*].policy) : [
        for s in jsondecode(p).Statement : [for a in s.Action : !strcontains(a, "*")]
      ]
    ]))
    error_message = "No Allow statement may use a wildcard action."
  }
  assert {
    condition = alltrue(flatten([
      for p in concat(values(aws_iam_role_policy.hook)[*].policy, aws_iam_policy.uploader[*].policy) : [
        for s in jsondecode(p).Statement : s.Action == ["rekognition:DetectLabels"] if contains(s.Resource, "*")
      ]
    ]))
    error_message = "Only rekognition:DetectLabels (no resource-level permissions) may name the \"*\" resource."
  }
  assert {
    condition = alltrue(flatten([
      for p in concat(values(aws_iam_role_policy.hook)[*].policy, aws_iam_policy.uploader[*].policy) : [
        for s in jsondecode(p).Statement : s.Effect == "Allow"
      ]
    ]))
    error_message = "Identity policies only allow (the denies live in the bucket policy)."
  }

  # --- transcode reads and rewrites clips and posters only
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.hook["transcode"].policy).Statement : s.Action if startswith(s.Action[0], "s3:")])) == toset([
      "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload",
    ])
    error_message = "The transcode hook reads, writes, tags clips; nothing else on S3 (no delete, no list)."
  }
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.hook["transcode"].policy).Statement : s.Resource if startswith(s.Action[0], "s3:")])) == toset([
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.mp4",
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.jpg",
    ])
    error_message = "The transcode hook touches only clip videos and posters under the clip prefix."
  }
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.hook["transcode"].policy).Statement : s.Resource if contains(s.Action, "s3:PutObject")])) == toset([
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.mp4",
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.jpg",
    ])
    error_message = "The transcode hook cannot write manifests (those trigger the analyze hook)."
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.hook["transcode"].policy).Statement : s if anytrue([for a in s.Action : startswith(a, "rekognition:") || startswith(a, "sns:")])]) == 0
    error_message = "The transcode hook has no Rekognition or SNS access."
  }

  # --- analyze reads clips writes manifests detects and alerts
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.hook["analyze"].policy).Statement : s.Resource if contains(s.Action, "s3:PutObject")])) == toset([
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.json",
    ])
    error_message = "The analyze hook writes manifests only (labels into the manifest), never clips."
  }
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.hook["analyze"].policy).Statement : s.Resource if contains(s.Action, "s3:GetObject")])) == toset([
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.mp4",
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.jpg",
      "arn:aws:s3:::cctv-test-clips/site-a/clips/*.json",
    ])
    error_message = "The analyze hook reads clips, posters (the presigned links its alerts carry) and manifests under the clip prefix."
  }
  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.hook["analyze"].policy).Statement : s.Resource if contains(s.Action, "sns:Publish")]) == [aws_sns_topic.alerts.arn]
    error_message = "The analyze hook may publish to the alerts topic only."
  }
  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.hook["analyze"].policy).Statement : s.Action])) == toset(["s3:GetObject", "s3:PutObject", "rekognition:DetectLabels", "sns:Publish", "logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"])
    error_message = "The analyze hook has exactly the actions it uses."
  }

  # --- hooks log and dead letter to their own resources
  assert {
    condition = alltrue([for k, p in aws_iam_role_policy.hook :
      one([for s in jsondecode(p.policy).Statement : s.Resource if contains(s.Action, "logs:PutLogEvents")]) == ["${aws_cloudwatch_log_group.hook[k].arn}:*"]
    ])
    error_message = "Each hook writes to its own log group only (and cannot create log groups)."
  }
  assert {
    condition = alltrue([for p in aws_iam_role_policy.hook :
      one([for s in jsondecode(p.policy).Statement : s.Resource if contains(s.Action, "sqs:SendMessage")]) == [aws_sqs_queue.dead_letter.arn]
    ])
    error_message = "Each hook may send to the dead-letter queue only."
  }
  assert {
    condition = alltrue([for r in aws_iam_role.hook :
      jsondecode(r.assume_role_policy).Statement == [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
    ])
    error_message = "Only Lambda can assume the hook roles."
  }

  # --- uploader can only put under the clip prefix
  assert {
    condition = alltrue(flatten([for s in jsondecode(aws_iam_policy.uploader[0].policy).Statement :
      [for r in s.Resource : r == "arn:aws:s3:::cctv-test-clips/site-a/clips/*"]
    ]))
    error_message = "Every uploader permission is on objects under the clip prefix."
  }
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_policy.uploader[0].policy).Statement : s.Action])) == toset([
      "s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload", "s3:GetObject",
    ])
    error_message = "The uploader can put (and read back what it put), but not list or delete, by default."
  }
  assert {
    condition     = aws_iam_user.uploader[0].name == "cctv-uploader" && aws_iam_user_policy_attachment.uploader[0].policy_arn == aws_iam_policy.uploader[0].arn
    error_message = "The uploader user carries the uploader policy."
  }
  assert {
    condition     = length(aws_iam_role.uploader) == 0
    error_message = "No uploader role unless principals are trusted."
  }
}

run "uploader_list_and_delete_when_asked" {
  command = apply

  variables {
    uploader_can_list_and_delete         = true
    create_uploader_user                 = false
    uploader_role_trusted_principal_arns = ["arn:aws:iam::210987654321:role/nvr-site-a"]
  }

  assert {
    condition = anytrue([for s in jsondecode(aws_iam_policy.uploader[0].policy).Statement :
      s.Action == ["s3:ListBucket"] && s.Resource == ["arn:aws:s3:::cctv-test-clips"] &&
      try(s.Condition, null) == { StringLike = { "s3:prefix" = ["site-a/clips/*"] } }
    ])
    error_message = "Listing is limited to the clip prefix."
  }
  assert {
    condition     = one([for s in jsondecode(aws_iam_policy.uploader[0].policy).Statement : s.Resource if contains(s.Action, "s3:DeleteObject")]) == ["arn:aws:s3:::cctv-test-clips/site-a/clips/*"]
    error_message = "Deletes are limited to the clip prefix."
  }
  assert {
    condition     = length(aws_iam_user.uploader) == 0 && aws_iam_role_policy_attachment.uploader[0].policy_arn == aws_iam_policy.uploader[0].arn
    error_message = "With create_uploader_user = false only the role carries the policy."
  }
  assert {
    condition     = jsondecode(aws_iam_role.uploader[0].assume_role_policy).Statement[0].Principal == { AWS = ["arn:aws:iam::210987654321:role/nvr-site-a"] }
    error_message = "Only the trusted principals can assume the uploader role."
  }
}
