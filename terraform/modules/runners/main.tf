# The runners: an ECS cluster (Container Insights), the GitHub credential in Secrets Manager under a KMS key,
# a log group, least-privilege roles, the task definition and a Fargate service of var.runner_count tasks.
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  environment = [
    { name = "RUNNER_URL", value = var.github_url },
    { name = "GITHUB_API_URL", value = var.github_api_url },
    { name = "RUNNER_LABELS", value = join(",", var.runner_labels) },
    { name = "RUNNER_EPHEMERAL", value = var.ephemeral ? "true" : "false" },
  ]
  secret_env = var.github_credential_type == "app" ? "GITHUB_APP_PRIVATE_KEY" : "GITHUB_TOKEN"
  # An image in ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG) needs pull rights on that repository only.
  ecr = regex("^(?:(?P<account>[0-9]{12})\\.dkr\\.ecr\\.(?P<region>[a-z0-9-]+)\\.amazonaws\\.com/(?P<repo>[^:@]+))?", var.runner_image)
  ecr_statements = local.ecr.account == null ? [] : [
    { Effect = "Allow", Action = ["ecr:GetAuthorizationToken"], Resource = "*" },
    {
      Effect   = "Allow"
      Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      Resource = "arn:${data.aws_partition.current.partition}:ecr:${local.ecr.region}:${local.ecr.account}:repository/${local.ecr.repo}"
    },
  ]
}

resource "aws_kms_key" "runners" {
  description         = "${var.name}: GitHub credential and runner logs"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Account", Effect = "Allow", Principal = { AWS = local.account }, Action = "kms:*", Resource = "*" },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_secretsmanager_secret" "github" {
  #checkov:skip=CKV2_AWS_57:a GitHub token or App key is rotated in GitHub, not by a Lambda; the harness reads it at each task start
  name                    = "${var.name}/github-credential"
  description             = "GitHub ${var.github_credential_type} the runners register with (put the value in by hand)"
  kms_key_id              = aws_kms_key.runners.arn
  recovery_window_in_days = 7
}

resource "aws_cloudwatch_log_group" "runners" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.runners.arn
}

data "aws_iam_policy_document" "ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# Execution role: what ECS itself needs to start a task (pull the image, write logs, read the credential).
resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_iam_role_policy" "execution" {
  name = "start-runner-task"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.ecr_statements, [
      { Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.runners.arn}:*" },
      { Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = aws_secretsmanager_secret.github.arn },
      { Effect = "Allow", Action = ["kms:Decrypt"], Resource = aws_kms_key.runners.arn },
    ])
  })
}

# Task role: what the runner process may do in AWS. Nothing: jobs that need AWS get their own credentials.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_ecs_task_definition" "runner" {
  #checkov:skip=CKV_AWS_336:the Actions runner writes its work directory, tool cache and diagnostics to the root filesystem
  family                   = "${var.name}-runner"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name        = "runner"
    image       = var.runner_image
    essential   = true
    environment = local.environment
    secrets     = [{ name = local.secret_env, valueFrom = aws_secretsmanager_secret.github.arn }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.runners.name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "runner"
      }
    }
    stopTimeout = 120
  }])
}

resource "aws_ecs_service" "runners" {
  #checkov:skip=CKV_AWS_333:runners need egress to GitHub; a public IP on a task with no inbound rule avoids a NAT gateway (about 35 USD a month)
  name                   = "${var.name}-runners"
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.runner.arn
  desired_count          = var.runner_count
  launch_type            = "FARGATE"
  enable_execute_command = false

  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 200

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = true
  }

  lifecycle {
    # The load-test harness scales the service (EcsRunnerPool.scale); terraform must not undo it.
    ignore_changes = [desired_count]
  }
}
