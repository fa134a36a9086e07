variable "name" {
  description = "Prefix of resource names."
  type        = string
}

variable "aws_region" {
  description = "Region (for the log configuration)."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the runner tasks."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the runner tasks."
  type        = string
}

variable "runner_count" {
  description = "Initial desired count of the service."
  type        = number
}

variable "runner_labels" {
  description = "Labels of the runners."
  type        = list(string)
}

variable "ephemeral" {
  description = "One job per runner."
  type        = bool
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
}

variable "memory" {
  description = "Task memory (MiB)."
  type        = number
}

variable "github_url" {
  description = "Registration URL (repository or organisation)."
  type        = string
}

variable "github_api_url" {
  description = "GitHub REST API base URL."
  type        = string
}

variable "github_credential_type" {
  description = "token or app."
  type        = string
}

variable "runner_image" {
  description = "Runner container image."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep the runner logs."
  type        = number
}
