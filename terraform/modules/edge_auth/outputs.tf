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
  description = "The edge function's baked configuration (public keys only, no secret)."
  value       = local.config
}

output "package_size" {
  description = "Size of the assembled package, in bytes (at most 1,048,576)."
  value       = data.archive_file.package.output_size
}

output "package_base64sha256" {
  description = "Base64 SHA-256 of the assembled package; it changes exactly when code or config change."
  value       = data.archive_file.package.output_base64sha256
}
