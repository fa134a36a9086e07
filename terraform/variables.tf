variable "aws_region" {
  description = "AWS region of the runners."
  type        = string
  default     = "eu-west-1"
}

variable "aws_endpoint" {
  description = "Send every AWS API call to this endpoint (a local moto server in tests); null for AWS itself."
  type        = string
  default     = null
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "gh-runners"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "availability_zones" {
  description = "Availability zones of the subnets (one subnet each)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]

  validation {
    condition     = length(var.availability_zones) >= 1 && length(var.availability_zones) <= 6
    error_message = "give between 1 and 6 availability zones."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block such as 10.42.0.0/16."
  }
}

variable "runner_count" {
  description = "Runners (ECS tasks) the service starts with; the harness may scale it (desired_count is ignored after creation)."
  type        = number
  default     = 4

  validation {
    condition     = var.runner_count >= 0 && var.runner_count <= 100 && floor(var.runner_count) == var.runner_count
    error_message = "runner_count must be a whole number from 0 to 100."
  }
}

variable "runner_labels" {
  description = "Labels the runners register with (runs-on of runner_test.yml must match)."
  type        = list(string)
  default     = ["self-hosted", "linux", "x64", "fargate"]

  validation {
    condition     = length(var.runner_labels) > 0 && alltrue([for l in var.runner_labels : can(regex("^[A-Za-z0-9._-]+$", l))])
    error_message = "runner_labels must be non-empty labels of letters, digits, dot, dash or underscore (no commas)."
  }
}

variable "ephemeral" {
  description = "Register runners as ephemeral: one job each, then the task exits and ECS starts a fresh one."
  type        = bool
  default     = false
}

variable "cpu" {
  description = "Fargate task CPU units (256, 512, 1024, 2048, 4096, 8192, 16384)."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Fargate task memory in MiB; must be a size Fargate accepts with var.cpu."
  type        = number
  default     = 2048

  validation {
    condition = contains(
      lookup({
        "256"   = [512, 1024, 2048],
        "512"   = [1024, 2048, 3072, 4096],
        "1024"  = [2048, 3072, 4096, 5120, 6144, 7168, 8192],
        "2048"  = [for gb in range(4, 17) : gb * 1024],
        "4096"  = [for gb in range(8, 31) : gb * 1024],
        "8192"  = [for gb in range(16, 61, 4) : gb * 1024],
        "16384" = [for gb in range(32, 121, 8) : gb * 1024],
      }, tostring(var.cpu), []),
      var.memory
    )
    error_message = "cpu and memory must be a pair Fargate accepts, e.g. 256/512, 512/1024, 1024/2048, 2048/4096, 4096/8192."
  }
}

variable "github_url" {
  description = "Where the runners register: https://github.com/OWNER/REPO (or an organisation URL)."
  type        = string
  default     = "https://github.com/octo-org/runner-load-test"

  validation {
    condition     = can(regex("^https://[^/]+/[^/]+(/[^/]+)?$", var.github_url))
    error_message = "github_url must be https://HOST/OWNER or https://HOST/OWNER/REPO."
  }
}

variable "github_api_url" {
  description = "GitHub REST API base: https://api.github.com, or https://HOST/api/v3 for Enterprise Server."
  type        = string
  default     = "https://api.github.com"
}

variable "github_credential_type" {
  description = "What the Secrets Manager secret holds: a token (PAT) or a GitHub App private key."
  type        = string
  default     = "token"

  validation {
    condition     = contains(["token", "app"], var.github_credential_type)
    error_message = "github_credential_type must be token or app."
  }
}

variable "runner_image" {
  description = "The runner container image (built from terraform/runner-image)."
  type        = string
  default     = "ghcr.io/octo-org/ghrunner-fargate:2.330.0"
}

variable "log_retention_days" {
  description = "Days to keep runner and flow logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}
