# The clip bucket: private, owner-enforced, encrypted, TLS-only, with the retention lifecycle.

resource "aws_s3_bucket" "clips" {
  bucket        = var.bucket_name
  bucket_prefix = var.bucket_name == null ? "${var.name}-clips-" : null
  force_destroy = var.force_destroy
}

# ACLs disabled: the bucket owner owns every object, whoever uploads it.
resource "aws_s3_bucket_ownership_controls" "clips" {
  bucket = aws_s3_bucket.clips.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "clips" {
  bucket = aws_s3_bucket.clips.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "clips" {
  bucket = aws_s3_bucket.clips.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "clips" {
  count  = var.versioning_enabled ? 1 : 0
  bucket = aws_s3_bucket.clips.id

  versioning_configuration {
    status = "Enabled"
  }
}

# Deny-only policy: nothing is granted here (access comes from IAM policies in iam.tf), so the
# bucket cannot be made public through it.
resource "aws_s3_bucket_policy" "clips" {
  bucket = aws_s3_bucket.clips.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
    ]
  })

  # A policy put before the public access block exists can race it.
  depends_on = [aws_s3_bucket_public_access_block.clips]
}

resource "aws_s3_bucket_lifecycle_configuration" "clips" {
  bucket = aws_s3_bucket.clips.id

  # Clip videos only: S3 lifecycle filters cannot match a key suffix, so cctv tags each .mp4
  # with class=clip and this rule selects prefix AND tag. Posters and manifests stay in Standard.
  # One rule per clip prefix: the 0.1 layout's keeps its 0.1 id, a site's is named after it.
  dynamic "rule" {
    for_each = var.glacier_after_days == null ? {} : local.clip_prefixes
    content {
      id     = rule.key == "" ? "clips-to-glacier-ir" : "${rule.key}-clips-to-glacier-ir"
      status = "Enabled"

      filter {
        and {
          prefix = rule.value
          tags   = local.clip_tag
        }
      }

      transition {
        days          = var.glacier_after_days
        storage_class = "GLACIER_IR"
      }
    }
  }

  # Clip, poster and manifest all expire together: same prefix, same age (they are uploaded
  # within seconds of each other). The event index's entries expire with them (DynamoDB TTL).
  dynamic "rule" {
    for_each = local.clip_prefixes
    content {
      id     = rule.key == "" ? "expire-clips" : "${rule.key}-expire-clips"
      status = "Enabled"

      filter {
        prefix = rule.value
      }

      expiration {
        days = var.expire_after_days
      }
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {
      prefix = local.key_prefix
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  dynamic "rule" {
    for_each = var.versioning_enabled ? [var.noncurrent_version_expire_days] : []
    content {
      id     = "expire-old-versions"
      status = "Enabled"

      filter {
        prefix = local.key_prefix
      }

      noncurrent_version_expiration {
        noncurrent_days = rule.value
      }
    }
  }

  dynamic "rule" {
    for_each = var.versioning_enabled ? [true] : []
    content {
      id     = "remove-expired-delete-markers"
      status = "Enabled"

      filter {
        prefix = local.key_prefix
      }

      expiration {
        expired_object_delete_marker = true
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.glacier_after_days == null ? true : var.expire_after_days > var.glacier_after_days
      error_message = "expire_after_days must be greater than glacier_after_days (or set glacier_after_days = null to keep clips in Standard)."
    }
  }

  # Lifecycle on a versioned bucket must be applied after versioning is configured.
  depends_on = [aws_s3_bucket_versioning.clips]
}

# Glacier Instant Retrieval bills at least 90 days per object: deleting earlier costs the rest.
check "glacier_minimum_storage_duration" {
  assert {
    # (expire <= glacier is already an error, reported by the lifecycle precondition.)
    condition     = var.glacier_after_days == null ? true : (var.expire_after_days <= var.glacier_after_days || var.expire_after_days - var.glacier_after_days >= 90)
    error_message = "Clips stay in Glacier Instant Retrieval for less than its 90-day minimum (expire_after_days - glacier_after_days < 90): each clip is billed for 90 days anyway."
  }
}
