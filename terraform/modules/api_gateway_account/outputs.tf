output "cloudwatch_role_arn" {
  description = "The role now named in this region's API Gateway account settings; stacks may then set api_gateway_account_has_cloudwatch_role = true."
  value       = aws_api_gateway_account.this.cloudwatch_role_arn
}
