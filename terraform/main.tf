# Self-hosted GitHub Actions runners as ECS Fargate tasks. Deploy the network first, then the rest:
#   terraform apply -target=module.network && terraform apply
module "network" {
  source = "./modules/network"

  name               = var.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  log_retention_days = var.log_retention_days
}

module "runners" {
  source = "./modules/runners"

  name                   = var.name
  aws_region             = var.aws_region
  subnet_ids             = module.network.subnet_ids
  security_group_id      = module.network.runner_security_group_id
  runner_count           = var.runner_count
  runner_labels          = var.runner_labels
  ephemeral              = var.ephemeral
  cpu                    = var.cpu
  memory                 = var.memory
  github_url             = var.github_url
  github_api_url         = var.github_api_url
  github_credential_type = var.github_credential_type
  runner_image           = var.runner_image
  log_retention_days     = var.log_retention_days
}
