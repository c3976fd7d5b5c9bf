# Sites: one uploader per site limited to its prefix; lifecycle and hook triggers per site; the
# 0.1 layout kept only when asked (legacy_site).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name        = "cctv-test-clips"
  transcode_zip_path = "tests/fixtures/handler.zip"
  analyze_zip_path   = "tests/fixtures/handler.zip"
  indexer_zip_path   = "tests/fixtures/handler.zip"
  ffmpeg_layer_arn   = "arn:aws:lambda:eu-west-2:123456789012:layer:ffmpeg:3"
  sites = {
    home = {}
    shop = { create_uploader_user = false, uploader_role_trusted_principal_arns = ["arn:aws:iam::210987654321:role/nvr-shop"] }
  }
}

run "one_uploader_per_site_limited_to_its_prefix" {
  command = apply

  assert {
    condition = {
      for site, p in aws_iam_policy.site_uploader : site => [for s in jsondecode(p.policy).Statement : { Action = s.Action, Resource = s.Resource }]
      } == {
      home = [
        { Action = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"], Resource = ["arn:aws:s3:::cctv-test-clips/home/clips/*"] },
        { Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::cctv-test-clips/home/clips/*"] },
      ]
      shop = [
        { Action = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"], Resource = ["arn:aws:s3:::cctv-test-clips/shop/clips/*"] },
        { Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::cctv-test-clips/shop/clips/*"] },
      ]
    }
    error_message = "Each site's uploader may put (and read back) only under its own <site>/clips/; no list or delete by default."
  }
  assert {
    condition = (
      keys(aws_iam_user.site_uploader) == ["home"] && aws_iam_user.site_uploader["home"].name == "cctv-uploader-home" &&
      aws_iam_user_policy_attachment.site_uploader["home"].policy_arn == aws_iam_policy.site_uploader["home"].arn &&
      keys(aws_iam_role.site_uploader) == ["shop"] &&
      jsondecode(aws_iam_role.site_uploader["shop"].assume_role_policy).Statement[0].Principal == { AWS = ["arn:aws:iam::210987654321:role/nvr-shop"] }
    )
    error_message = "home gets a user, shop a role only its trusted principal can assume."
  }
  assert {
    condition     = length(aws_iam_user.uploader) == 0 && length(aws_iam_policy.uploader) == 0 && length(aws_iam_role.uploader) == 0
    error_message = "With sites and no legacy_site there is no 0.1 uploader (it could write every site's clips)."
  }

  # --- lifecycle per site
  assert {
    condition = (
      toset([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r.id]) == toset([
        "home-clips-to-glacier-ir", "shop-clips-to-glacier-ir", "home-expire-clips", "shop-expire-clips", "abort-incomplete-multipart-uploads",
      ]) &&
      one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "home-expire-clips"]).filter[0].prefix == "home/clips/" &&
      one([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r if r.id == "shop-clips-to-glacier-ir"]).filter[0].and[0].prefix == "shop/clips/"
    )
    error_message = "Each site's clips move to Glacier IR and expire under its own prefix; no 0.1 rules."
  }

  # --- hook triggers per site, and the hooks' permissions over every site's clips
  assert {
    condition = toset([for n in aws_s3_bucket_notification.hooks[0].lambda_function : "${n.id}:${n.filter_prefix}*${n.filter_suffix}"]) == toset([
      "cctv-transcode-home:home/clips/*.mp4", "cctv-transcode-shop:shop/clips/*.mp4", "cctv-analyze-home:home/clips/*.json", "cctv-analyze-shop:shop/clips/*.json",
    ])
    error_message = "Each hook is triggered under each site's prefix."
  }
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.hook["analyze"].policy).Statement : s.Resource if contains(s.Action, "s3:PutObject")])) == toset([
      "arn:aws:s3:::cctv-test-clips/home/clips/*.json", "arn:aws:s3:::cctv-test-clips/shop/clips/*.json",
    ])
    error_message = "The analyze hook writes only manifests, of every site."
  }
  assert {
    condition     = output.site_storage_urls == { home = "s3://cctv-test-clips/home", shop = "s3://cctv-test-clips/shop" }
    error_message = "Each site's storage.url is s3://<bucket>/<site>."
  }
}

run "legacy_site_keeps_the_01_layout_while_it_expires" {
  command = plan

  variables {
    legacy_site = "home"
  }

  assert {
    condition = (
      length(aws_iam_user.uploader) == 1 &&
      contains([for r in aws_s3_bucket_lifecycle_configuration.clips.rule : r.id], "expire-clips") &&
      contains([for n in aws_s3_bucket_notification.hooks[0].lambda_function : n.id], "cctv-analyze")
    )
    error_message = "With legacy_site the 0.1 uploader, lifecycle and triggers stay for clips/."
  }
}

run "bad_site_names_are_refused" {
  command = plan

  variables {
    sites = { "My House" = {}, clips = {} }
  }

  expect_failures = [var.sites]
}
