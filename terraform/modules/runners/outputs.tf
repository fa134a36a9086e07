output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.runners.name
}

output "log_group" {
  description = "Runner log group."
  value       = aws_cloudwatch_log_group.runners.name
}

output "github_secret_arn" {
  description = "Secret holding the GitHub credential."
  value       = aws_secretsmanager_secret.github.arn
}

output "service_desired_count" {
  description = "Desired count the service is created with."
  value       = aws_ecs_service.runners.desired_count
}

output "container_environment" {
  description = "Environment of the runner container (no secrets)."
  value       = { for e in local.environment : e.name => e.value }
}

output "credential_variable" {
  description = "Environment variable the GitHub credential arrives in."
  value       = local.secret_env
}

output "ecr_repository_arn" {
  description = "ECR repository the execution role may pull from (null for an image outside ECR)."
  value       = local.ecr.account == null ? null : local.ecr_statements[1].Resource
}
