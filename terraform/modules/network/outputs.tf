output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}

output "subnet_ids" {
  description = "One public subnet per availability zone."
  value       = aws_subnet.public[*].id
}

output "runner_security_group_id" {
  description = "Security group of the runner tasks (no inbound rule)."
  value       = aws_security_group.runners.id
}
