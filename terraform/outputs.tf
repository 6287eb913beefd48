output "api_url" {
  description = "Base URL of the upload API stage (no trailing slash)."
  value       = module.upload_api.api_url
}

output "uploads_url" {
  description = "POST here (with the user's JWT) for a presigned upload."
  value       = module.upload_api.uploads_url
}

output "downloads_url" {
  description = "POST here (with the user's JWT) for a download token."
  value       = module.upload_api.downloads_url
}

output "cdn_url" {
  description = "Base URL downloads are served from (https, no trailing slash)."
  value       = module.cdn.cdn_url
}

output "cdn_domain" {
  description = "Domain name downloads are served from."
  value       = module.cdn.cdn_domain
}

output "bucket_name" {
  description = "Name of the private uploads bucket."
  value       = module.storage.bucket_name
}

output "max_upload_bytes" {
  description = "Largest upload the API accepts, in bytes."
  value       = tonumber(module.upload_api.environment.MAX_UPLOAD_BYTES)
}

output "allowed_content_types" {
  description = "MIME types users may upload."
  value       = split(",", module.upload_api.environment.ALLOWED_CONTENT_TYPES)
}

output "frontend_config" {
  description = "Everything a web frontend needs, as one object: serialise it to JSON into the app's config."
  value = {
    api_url          = module.upload_api.api_url
    uploads_url      = module.upload_api.uploads_url
    downloads_url    = module.upload_api.downloads_url
    cdn_url          = module.cdn.cdn_url
    cdn_domain       = module.cdn.cdn_domain
    bucket_name      = module.storage.bucket_name
    max_upload_bytes = tonumber(module.upload_api.environment.MAX_UPLOAD_BYTES)
    # Multipart (issue 15): above the threshold the kit uploads in parts, up to max_object_bytes.
    multipart_threshold_bytes = tonumber(module.upload_api.environment.MULTIPART_THRESHOLD_BYTES)
    max_object_bytes          = tonumber(module.upload_api.environment.MAX_OBJECT_BYTES)
    require_sha256            = module.upload_api.environment.REQUIRE_SHA256 == "true"
    allowed_content_types     = split(",", module.upload_api.environment.ALLOWED_CONTENT_TYPES)
    # The API's token audience: the CDN token worker refuses tokens for it (never in a CDN URL).
    api_token_audience = module.upload_api.environment.USER_JWT_AUDIENCE
  }
}

output "signing_key_id" {
  description = "KMS key id that signs download tokens (their `kid`)."
  value       = module.upload_api.signing_key_id
}

output "edge_function_qualified_arn" {
  description = "Published version of the edge function associated with the distribution."
  value       = module.edge_auth.qualified_arn
}

output "distribution_id" {
  description = "CloudFront distribution id (for invalidations)."
  value       = module.cdn.distribution_id
}

output "rate_limit_table_name" {
  description = "DynamoDB table holding the per-user rate-limit counters."
  value       = module.upload_api.rate_limit_table_name
}

output "upload_api_function_name" {
  description = "Name of the upload API function."
  value       = module.upload_api.function_name
}

output "verifier_function_name" {
  description = "Name of the verifier function (publishes or rejects quarantined uploads)."
  value       = module.verification.function_name
}

output "verification_queue_url" {
  description = "URL of the queue S3 notifies of every quarantined upload (its dead-letter queue is <name>-verification-dlq)."
  value       = module.verification.queue_url
}

output "edge_config" {
  description = "The edge function's baked configuration: public keys, and with identity_provider.edge the owner keys (hence sensitive)."
  value       = module.edge_auth.config
  sensitive   = true
}

output "monitoring" {
  description = "What operators see: the alarms' names (empty without monitoring.alarm_topic_arn) and the dashboard's name."
  value = {
    alarm_names    = concat(module.monitoring.alarm_names, module.verification.alarm_names)
    dashboard_name = module.monitoring.dashboard_name
  }
}
