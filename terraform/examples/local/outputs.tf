# Every output of the composition, re-exported.

output "api_url" {
  description = "Base URL of the upload API stage (no trailing slash)."
  value       = module.uploads.api_url
}

output "uploads_url" {
  description = "POST here (with the user's JWT) for a presigned upload."
  value       = module.uploads.uploads_url
}

output "downloads_url" {
  description = "POST here (with the user's JWT) for a download token."
  value       = module.uploads.downloads_url
}

output "cdn_url" {
  description = "Base URL downloads are served from (https, no trailing slash)."
  value       = module.uploads.cdn_url
}

output "cdn_domain" {
  description = "Domain name downloads are served from."
  value       = module.uploads.cdn_domain
}

output "bucket_name" {
  description = "Name of the private uploads bucket."
  value       = module.uploads.bucket_name
}

output "max_upload_bytes" {
  description = "Largest upload the API accepts, in bytes."
  value       = module.uploads.max_upload_bytes
}

output "allowed_content_types" {
  description = "MIME types users may upload."
  value       = module.uploads.allowed_content_types
}

output "frontend_config" {
  description = "Everything a web frontend needs, as one object: serialise it to JSON into the app's config."
  value       = module.uploads.frontend_config
}

output "signing_key_id" {
  description = "KMS key id that signs download tokens (their `kid`)."
  value       = module.uploads.signing_key_id
}

output "edge_function_qualified_arn" {
  description = "Published version of the edge function associated with the distribution."
  value       = module.uploads.edge_function_qualified_arn
}

output "distribution_id" {
  description = "CloudFront distribution id (for invalidations)."
  value       = module.uploads.distribution_id
}

output "rate_limit_table_name" {
  description = "DynamoDB table holding the per-user rate-limit counters."
  value       = module.uploads.rate_limit_table_name
}

output "upload_api_function_name" {
  description = "Name of the upload API function."
  value       = module.uploads.upload_api_function_name
}

output "verifier_function_name" {
  description = "Name of the verifier function (publishes or rejects quarantined uploads)."
  value       = module.uploads.verifier_function_name
}

output "verification_queue_url" {
  description = "URL of the queue S3 notifies of every quarantined upload (its dead-letter queue is <name>-verification-dlq)."
  value       = module.uploads.verification_queue_url
}

output "edge_config" {
  description = "The edge function's baked configuration: public keys, and with identity_provider.edge the owner keys (hence sensitive)."
  value       = module.uploads.edge_config
  sensitive   = true
}
