provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Project = "cctv", ManagedBy = "terraform", Stack = var.name }, var.tags)
  }
}

data "aws_caller_identity" "current" {}
