# One uploader identity per site (var.sites), limited to the site's own prefix: a stolen or broken
# server can store (and, when asked, list and delete) only its own site's clips. The 0.1 uploader
# (iam.tf) stays only while the 0.1 layout is in use (no sites, or legacy_site).

locals {
  site_uploader_statements = {
    for site, _ in var.sites : site => concat(
      [
        {
          Sid      = "PutClips"
          Effect   = "Allow"
          Action   = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"]
          Resource = ["${local.bucket_arn}/${local.clip_prefixes[site]}*"]
        },
        {
          Sid      = "VerifyClips"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${local.bucket_arn}/${local.clip_prefixes[site]}*"]
        },
      ],
      [for s in [
        {
          Sid       = "ListClips"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = [local.bucket_arn]
          Condition = { StringLike = { "s3:prefix" = ["${local.clip_prefixes[site]}*"] } }
        },
        {
          Sid      = "DeleteClips"
          Effect   = "Allow"
          Action   = ["s3:DeleteObject"]
          Resource = ["${local.bucket_arn}/${local.clip_prefixes[site]}*"]
        },
      ] : s if var.uploader_can_list_and_delete],
      local.kms_statements,
    )
  }
  site_users = toset([for site, s in var.sites : site if s.create_uploader_user])
  site_roles = { for site, s in var.sites : site => s.uploader_role_trusted_principal_arns if length(s.uploader_role_trusted_principal_arns) > 0 }
}

resource "aws_iam_policy" "site_uploader" {
  for_each = var.sites

  name        = "${var.name}-uploader-${each.key}"
  description = "cctv site ${each.key}: store clips under ${local.clip_prefixes[each.key]} in ${aws_s3_bucket.clips.bucket}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.site_uploader_statements[each.key]
  })
}

resource "aws_iam_user" "site_uploader" {
  for_each = local.site_users

  name = "${var.name}-uploader-${each.key}"
  path = "/cctv/"
}

resource "aws_iam_user_policy_attachment" "site_uploader" {
  for_each = local.site_users

  user       = aws_iam_user.site_uploader[each.key].name
  policy_arn = aws_iam_policy.site_uploader[each.key].arn
}

resource "aws_iam_role" "site_uploader" {
  for_each = local.site_roles

  name                 = "${var.name}-uploader-${each.key}"
  description          = "cctv site ${each.key}: store clips"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = each.value }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "site_uploader" {
  for_each = local.site_roles

  role       = aws_iam_role.site_uploader[each.key].name
  policy_arn = aws_iam_policy.site_uploader[each.key].arn
}
