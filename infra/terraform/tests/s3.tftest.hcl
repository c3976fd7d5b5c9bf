# The clip bucket: private, encrypted, TLS-only, owner-enforced, and the lifecycle as configured.
# Offline: every AWS call is answered by the mock provider.

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

run "defaults_private_encrypted_tls_only" {
  command = apply

  # --- bucket is private and owner enforced
  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.clips.block_public_acls,
      aws_s3_bucket_public_access_block.clips.block_public_policy,
      aws_s3_bucket_public_access_block.clips.ignore_public_acls,
      aws_s3_bucket_public_access_block.clips.restrict_public_buckets,
    ])
    error_message = "All four Block Public Access settings must be on."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.clips.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = aws_s3_bucket.clips.bucket == "cctv-test-clips" && aws_s3_bucket.clips.force_destroy == false
    error_message = "The bucket keeps the given name and cannot be destroyed while it holds clips."
  }

  assert {
    condition     = length(aws_s3_bucket_versioning.clips) == 0
    error_message = "Versioning is off unless asked for."
  }

  # --- default encryption is sse s3
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.clips.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Without a KMS key the bucket uses SSE-S3."
  }

  # --- bucket policy denies plain http and grants nothing
  assert {
    condition = anytrue([for s in jsondecode(aws_s3_bucket_policy.clips.policy).Statement :
      s.Effect == "Deny" && s.Principal == "*" && s.Action == "s3:*" &&
      s.Condition == { Bool = { "aws:SecureTransport" = "false" } } &&
      toset(s.Resource) == toset(["arn:aws:s3:::cctv-test-clips", "arn:aws:s3:::cctv-test-clips/*"])
    ])
    error_message = "The bucket policy must deny every request without TLS, on the bucket and its objects."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_s3_bucket_policy.clips.policy).Statement : s.Effect == "Deny"])
    error_message = "The bucket policy must not allow anything (access comes from IAM policies only)."
  }

  # --- lifecycle defaults
  assert {
    condition     = one(one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "clips-to-glacier-ir"]).transition).days == 30
    error_message = "Clips move to Glacier IR after 30 days by default."
  }
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "expire-clips"]).expiration[0].days == 365
    error_message = "Clips expire after 365 days by default."
  }
}

run "kms_key_gives_sse_kms_and_key_permissions" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.clips.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "With a KMS key the bucket uses SSE-KMS."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.clips.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn
    error_message = "SSE-KMS must use the given key."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.clips.rule).bucket_key_enabled
    error_message = "S3 Bucket Keys cut KMS request costs and must be on."
  }

  assert {
    condition = alltrue([for p in concat(values(aws_iam_role_policy.hook)[*].policy, aws_iam_policy.uploader[*].policy) :
      contains([for s in jsondecode(p).Statement : s.Resource if contains(s.Action, "kms:GenerateDataKey")], [var.kms_key_arn])
    ])
    error_message = "Every writer (both hooks, the uploader) may use exactly the bucket's KMS key."
  }
}

run "lifecycle_as_configured" {
  command = plan

  variables {
    key_prefix         = "site-a/front"
    glacier_after_days = 14
    expire_after_days  = 120
  }

  # Clip videos only (prefix AND tag class=clip) go to Glacier Instant Retrieval.
  assert {
    condition = (
      one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "clips-to-glacier-ir"]).filter[0].and[0].prefix == "site-a/front/clips/" &&
      one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "clips-to-glacier-ir"]).filter[0].and[0].tags == tomap({ class = "clip" })
    )
    error_message = "The Glacier rule must select the clip prefix and the class=clip tag, so posters and manifests stay in Standard."
  }
  assert {
    condition = (
      one(one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "clips-to-glacier-ir"]).transition).days == 14 &&
      one(one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "clips-to-glacier-ir"]).transition).storage_class == "GLACIER_IR"
    )
    error_message = "Clips must move to GLACIER_IR after glacier_after_days."
  }

  # Everything under the clip prefix (clip, poster, manifest) expires together.
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "expire-clips"]).filter[0].prefix == "site-a/front/clips/"
    error_message = "The expiry rule must cover the whole clip prefix."
  }
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "expire-clips"]).expiration[0].days == 120
    error_message = "Objects under the clip prefix must expire after expire_after_days."
  }
  assert {
    condition     = length(one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "expire-clips"]).filter[0].and) == 0
    error_message = "The expiry rule must not be limited by tag (posters and manifests expire with their clips)."
  }

  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "abort-incomplete-multipart-uploads"]).abort_incomplete_multipart_upload[0].days_after_initiation == 1
    error_message = "Incomplete multipart uploads must be aborted after 1 day."
  }

  assert {
    condition     = alltrue([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r.status == "Enabled"])
    error_message = "Every lifecycle rule must be enabled."
  }
}

run "no_glacier_and_versioning" {
  command = plan

  variables {
    glacier_after_days             = null
    versioning_enabled             = true
    noncurrent_version_expire_days = 7
  }

  # --- glacier transition can be disabled
  assert {
    condition     = length([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if length(r.transition) > 0]) == 0
    error_message = "glacier_after_days = null must leave every object in Standard."
  }

  # --- versioning keeps old versions for a while
  assert {
    condition     = aws_s3_bucket_versioning.clips[0].versioning_configuration[0].status == "Enabled"
    error_message = "versioning_enabled must turn versioning on."
  }
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "expire-old-versions"]).noncurrent_version_expiration[0].noncurrent_days == 7
    error_message = "Old versions must expire after noncurrent_version_expire_days."
  }
}
