# Sign-in of the hosted web app: a Cognito user pool where only an administrator creates users
# (`aws cognito-idp admin-create-user`, README), one group per site (a user sees the sites of their groups)
# and the admin group (every site). The app does the authorization code flow with PKCE itself, as a public
# client (no secret), and verifies the pool's ID tokens locally (aws-jwt-verify, the pool's JWKS).

locals {
  cognito_domain_prefix = coalesce(var.cognito_domain_prefix, "${var.name}-${data.aws_caller_identity.current.account_id}")
}

resource "aws_cognito_user_pool" "web" {
  count = local.web_count

  name                = "${var.name}-web"
  deletion_protection = var.force_destroy ? "INACTIVE" : "ACTIVE"
  mfa_configuration   = "OPTIONAL"

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  username_configuration {
    case_sensitive = false
  }

  auto_verified_attributes = ["email"]

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 7
  }

  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

resource "aws_cognito_user_pool_domain" "web" {
  count = local.web_count

  domain       = local.cognito_domain_prefix
  user_pool_id = aws_cognito_user_pool.web[0].id
}

resource "aws_cognito_user_pool_client" "web" {
  count = local.web_count

  name                                 = "${var.name}-web"
  user_pool_id                         = aws_cognito_user_pool.web[0].id
  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = ["https://${aws_cloudfront_distribution.web[0].domain_name}/auth/callback"]
  logout_urls                          = ["https://${aws_cloudfront_distribution.web[0].domain_name}/"]
  # Only the hosted UI signs in (no password API from the client); the app refreshes ID tokens.
  explicit_auth_flows           = ["ALLOW_REFRESH_TOKEN_AUTH"]
  enable_token_revocation       = true
  prevent_user_existence_errors = "ENABLED"

  # The app asks the pool again when an ID token expires (group changes, disabled users apply then); the
  # refresh token lives as long as a session may.
  id_token_validity      = 60
  access_token_validity  = 60
  refresh_token_validity = var.web_session_max_days
  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
}

resource "aws_cognito_user_group" "site" {
  for_each = var.enable_web ? toset(local.web_sites) : toset([])

  name         = each.key
  user_pool_id = aws_cognito_user_pool.web[0].id
  description  = "sees the events and clips of site ${each.key}"
}

resource "aws_cognito_user_group" "admins" {
  count = local.web_count

  name         = var.web_admin_group
  user_pool_id = aws_cognito_user_pool.web[0].id
  description  = "sees every site"
  precedence   = 0

  lifecycle {
    precondition {
      condition     = !contains(local.web_sites, var.web_admin_group)
      error_message = "web_admin_group must not be the name of a site."
    }
  }
}
