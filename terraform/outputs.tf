output "cluster_name" {
  description = "ECS cluster of the runners (--ecs-cluster)."
  value       = module.runners.cluster_name
}

output "service_name" {
  description = "ECS service of the runners (--ecs-service)."
  value       = module.runners.service_name
}

output "log_group" {
  description = "CloudWatch log group of the runner containers."
  value       = module.runners.log_group
}

output "runner_labels" {
  description = "Labels the runners register with."
  value       = var.runner_labels
}

output "github_secret_arn" {
  description = "Secrets Manager secret to put the GitHub credential in (token or App private key)."
  value       = module.runners.github_secret_arn
}

output "vpc_id" {
  description = "VPC of the runners."
  value       = module.network.vpc_id
}
