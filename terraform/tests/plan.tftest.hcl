# Module logic with a mocked AWS provider: no credentials, no network.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

run "defaults_make_four_runners" {
  command = plan

  assert {
    condition     = module.runners.service_desired_count == 4
    error_message = "the service must start with runner_count (default 4) tasks"
  }
  assert {
    condition     = module.runners.container_environment["RUNNER_LABELS"] == "self-hosted,linux,x64,fargate"
    error_message = "the labels must reach the runner as one comma-separated value"
  }
  assert {
    condition     = length(module.network.subnet_ids) == 2
    error_message = "one subnet per availability zone"
  }
}

run "runner_count_and_ephemeral" {
  command = plan
  variables {
    runner_count = 8
    ephemeral    = true
  }

  assert {
    condition     = module.runners.service_desired_count == 8
    error_message = "runner_count sets the desired count"
  }
  assert {
    condition     = module.runners.container_environment["RUNNER_EPHEMERAL"] == "true"
    error_message = "ephemeral must reach the runner"
  }
}

run "ecr_image_gets_pull_rights_on_its_repository_only" {
  command = plan
  variables {
    runner_image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/runners/gh:2.330.0"
  }

  assert {
    condition     = module.runners.ecr_repository_arn == "arn:aws:ecr:eu-west-1:123456789012:repository/runners/gh"
    error_message = "pull rights must name the image's repository"
  }
}

run "ghcr_image_needs_no_ecr_rights" {
  command = plan

  assert {
    condition     = module.runners.ecr_repository_arn == null
    error_message = "an image outside ECR needs no ECR permission"
  }
}

run "app_credential" {
  command = plan
  variables {
    github_credential_type = "app"
  }

  assert {
    condition     = module.runners.credential_variable == "GITHUB_APP_PRIVATE_KEY"
    error_message = "an App key goes in GITHUB_APP_PRIVATE_KEY"
  }
}

run "rejects_too_many_runners" {
  command = plan
  variables {
    runner_count = 101
  }
  expect_failures = [var.runner_count]
}

run "rejects_a_cpu_memory_pair_fargate_refuses" {
  command = plan
  variables {
    cpu    = 256
    memory = 4096
  }
  expect_failures = [var.memory]
}

run "rejects_labels_with_commas" {
  command = plan
  variables {
    runner_labels = ["self-hosted,gpu"]
  }
  expect_failures = [var.runner_labels]
}
