terraform {
  # The configuration itself needs 1.6; `terraform test` with mock providers (tests/) needs 1.7.
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.80 is the first release with every resource used here (aws_lambda_function_recursion_config,
      # aws_s3_bucket_lifecycle_configuration.transition_default_minimum_object_size); tested with 5.100.0.
      version = ">= 5.80.0, < 6.0.0"
    }
  }
}
