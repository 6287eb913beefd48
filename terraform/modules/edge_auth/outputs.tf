output "function_name" {
  description = "Name of the edge function."
  value       = aws_lambda_function.edge_auth.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the edge function."
  value       = aws_lambda_function.edge_auth.arn
}

output "qualified_arn" {
  description = "ARN of the published version (with its number): what CloudFront associates."
  value       = aws_lambda_function.edge_auth.qualified_arn
}

output "version" {
  description = "Published version number of the edge function."
  value       = aws_lambda_function.edge_auth.version
}

output "region" {
  description = "Region the edge function lives in (always us-east-1)."
  value       = aws_lambda_function.edge_auth.region
}

output "role_arn" {
  description = "ARN of the edge function's execution role."
  value       = aws_iam_role.edge_auth.arn
}

output "role_policy" {
  description = "The edge role's inline policy (JSON), exposed for tests and audits."
  value       = aws_iam_role_policy.edge_auth_logs.policy
}

output "config" {
  description = "The edge function's baked configuration: public keys, and with identity_provider the owner keys (hence sensitive)."
  value       = local.config
  sensitive   = true
}

output "package_path" {
  description = "Where apply writes the baked package (the built zip plus edge_auth/config.json)."
  value       = local.package_path
}

output "package_hash" {
  description = "The function's update trigger: changes exactly when the built code or the configuration changes."
  value       = local.package_hash
}

output "package_bytes_bound" {
  description = "Upper bound, known at plan, of the baked package's size in bytes (the plan refuses more than 1,048,576)."
  value       = local.package_bytes_bound
}
