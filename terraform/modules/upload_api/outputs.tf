output "api_url" {
  description = "Invoke URL of the API stage, without a trailing slash."
  value       = trimsuffix(aws_api_gateway_stage.upload_api.invoke_url, "/")
}

output "uploads_url" {
  description = "URL clients POST to for a presigned upload."
  value       = "${trimsuffix(aws_api_gateway_stage.upload_api.invoke_url, "/")}/uploads"
}

output "downloads_url" {
  description = "URL clients POST to for a download token."
  value       = "${trimsuffix(aws_api_gateway_stage.upload_api.invoke_url, "/")}/downloads"
}

output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.upload_api.id
}

output "rest_api_name" {
  description = "Name of the REST API (the ApiName dimension of its CloudWatch metrics)."
  value       = aws_api_gateway_rest_api.upload_api.name
}

output "stage_name" {
  description = "Name of the API stage."
  value       = aws_api_gateway_stage.upload_api.stage_name
}

output "function_name" {
  description = "Name of the upload API function."
  value       = aws_lambda_function.upload_api.function_name
}

output "function_arn" {
  description = "ARN of the upload API function."
  value       = aws_lambda_function.upload_api.arn
}

output "function_role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.function.arn
}

output "function_policy" {
  description = "The function role's inline policy (JSON), exposed for tests and audits."
  value       = aws_iam_role_policy.function.policy
}

output "environment" {
  description = "Environment variables of the upload API function (the contract with lambda_src/upload_api), except the secret ones (secret_environment)."
  value       = local.environment
}

output "secret_environment" {
  description = "The function's secret environment variables: OWNER_KEY and PREVIOUS_OWNER_KEYS (comma-separated)."
  value       = local.secret_environment
  sensitive   = true
}

output "rate_limit_table_name" {
  description = "Name of the DynamoDB rate-limit table."
  value       = aws_dynamodb_table.rate_limit.name
}

output "signing_key_id" {
  description = "ID of the KMS key that signs download tokens (the tokens' `kid`)."
  value       = aws_kms_key.signing.key_id
}

output "signing_key_arn" {
  description = "ARN of the KMS key that signs download tokens."
  value       = aws_kms_key.signing.arn
}

output "signing_key_policy" {
  description = "Key policy of the signing key (JSON): who administers it, and the function role's conditioned kms:Sign."
  value       = aws_kms_key.signing.policy
}

output "rate_limit_table_kms_key_arn" {
  description = "Customer-managed KMS key of the rate-limit table, or null for the AWS-owned key."
  value       = try(aws_dynamodb_table.rate_limit.server_side_encryption[0].kms_key_arn, null)
}

output "metrics" {
  description = "Where the function's business metrics land: namespace, and the value of their `service` dimension."
  value = {
    namespace = local.environment.POWERTOOLS_METRICS_NAMESPACE
    service   = local.environment.POWERTOOLS_SERVICE_NAME
  }
}

output "upload_table_arn" {
  description = "ARN of the upload-record table (the verifier reads and updates records)."
  value       = aws_dynamodb_table.uploads.arn
}

output "upload_table_name" {
  description = "DynamoDB table of upload records (hash key upload_id, TTL attribute expires_at)."
  value       = aws_dynamodb_table.uploads.name
}
