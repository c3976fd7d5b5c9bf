# One uploader identity per site (var.sites), limited to the site's own prefix: a stolen or broken
# server can store (and, when asked, list and delete) only its own site's clips. The 0.1 uploader
# (iam.tf) stays only while the 0.1 layout is in use (no sites, or legacy_site).

locals {
  # An uploader's statements for each clip prefix ("" = the 0.1 layout's, iam.tf): put, tag and read back under it;
  # list and delete there too with uploader_can_list_and_delete.
  uploader_statements_by_prefix = {
    for key, prefix in merge(local.clip_prefixes, { "" = local.clip_prefix }) : key => concat(
      [
        {
          # Clips, posters, manifests; multipart for large clips; the class=clip tag.
          Sid      = "PutClips"
          Effect   = "Allow"
          Action   = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"]
          Resource = ["${local.bucket_arn}/${prefix}*"]
        },
        {
          # cctv verifies every upload (size, ETag, read-back when the ETag is not an MD5).
          Sid      = "VerifyClips"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${local.bucket_arn}/${prefix}*"]
        },
      ],
      # upload.continuous and upload.mode: segment store whole recordings under recordings/ (cctv doctor checks it).
      [for s in [
        {
          Sid      = "PutRecordings"
          Effect   = "Allow"
          Action   = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"]
          Resource = ["${local.bucket_arn}/${trimsuffix(prefix, "clips/")}recordings/*"]
        },
        {
          Sid      = "VerifyRecordings"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${local.bucket_arn}/${trimsuffix(prefix, "clips/")}recordings/*"]
        },
      ] : s if var.allow_recording_uploads],
      [for s in [
        {
          Sid       = "ListClips"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = [local.bucket_arn]
          Condition = { StringLike = { "s3:prefix" = ["${prefix}*"] } }
        },
        {
          Sid      = "DeleteClips"
          Effect   = "Allow"
          Action   = ["s3:DeleteObject"]
          Resource = ["${local.bucket_arn}/${prefix}*"]
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
    Statement = local.uploader_statements_by_prefix[each.key]
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
