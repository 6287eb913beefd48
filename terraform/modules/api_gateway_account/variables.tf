variable "role_name" {
  description = "Name of the IAM role API Gateway uses to write CloudWatch Logs in this region."
  type        = string
  default     = "api-gateway-cloudwatch-logs"

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name (1-64 characters)."
  }
}
