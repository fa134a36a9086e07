variable "name" {
  description = "Prefix of resource names."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
}

variable "availability_zones" {
  description = "One public subnet in each of these zones."
  type        = list(string)
}

variable "log_retention_days" {
  description = "Days to keep the VPC flow logs."
  type        = number
}
