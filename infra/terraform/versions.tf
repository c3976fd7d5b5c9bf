terraform {
  # The configuration itself needs 1.6; `terraform test` with mock providers (tests/) needs 1.7.
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # A conservative floor: every resource used here (the newest is aws_lambda_function_recursion_config,
      # added in the 5.6x series) exists by 5.80. Tested with 5.100.0; 6.x is a major release, untested here.
      version = ">= 5.80.0, < 6.0.0"
    }
  }
}
