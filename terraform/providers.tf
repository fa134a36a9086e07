locals {
  # With var.aws_endpoint (e.g. a local moto server for tests) every service goes there.
  endpoint_services = ["cloudwatchlogs", "ec2", "ecs", "iam", "kms", "secretsmanager", "sts"]
}

provider "aws" {
  region = var.aws_region

  access_key                  = var.aws_endpoint == null ? null : "test"
  secret_key                  = var.aws_endpoint == null ? null : "test"
  skip_credentials_validation = var.aws_endpoint != null
  skip_requesting_account_id  = var.aws_endpoint != null
  skip_metadata_api_check     = var.aws_endpoint != null

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      cloudwatchlogs = endpoints.value
      ec2            = endpoints.value
      ecs            = endpoints.value
      iam            = endpoints.value
      kms            = endpoints.value
      secretsmanager = endpoints.value
      sts            = endpoints.value
    }
  }

  default_tags {
    tags = merge({ Project = "ghrunner-locust", ManagedBy = "terraform" }, var.tags)
  }
}
