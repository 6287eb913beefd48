output "bucket_name" {
  description = "Name of the uploads bucket."
  value       = aws_s3_bucket.uploads.bucket
}

output "bucket_arn" {
  description = "ARN of the uploads bucket."
  value       = aws_s3_bucket.uploads.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket, the CloudFront origin (avoids the global endpoint's redirects for new buckets)."
  value       = aws_s3_bucket.uploads.bucket_regional_domain_name
}

output "uploads_prefix" {
  description = "Key prefix of published (verified) objects: the only one the CDN reads from."
  value       = var.uploads_prefix
}

output "quarantine_prefix" {
  description = "Key prefix presigned uploads write to; nothing serves it (the bucket policy grants the CDN uploads_prefix only)."
  value       = var.quarantine_prefix
}

output "rejected_prefix" {
  description = "Key prefix rejected uploads are kept under, or \"\" when rejected_retention_days = 0 (the verifier deletes them)."
  value       = var.rejected_retention_days > 0 ? var.rejected_prefix : ""
}

output "uploads_objects_arn" {
  description = "ARN pattern of every object under the uploads prefix, for IAM policies."
  value       = local.uploads_objects_arn
}

output "bucket_policy" {
  description = "The bucket policy document (JSON), exposed for tests and audits."
  value       = aws_s3_bucket_policy.uploads.policy
}

output "allowed_origins" {
  description = "The validated browser origins of the bucket's CORS rules, for the other modules' CORS answers."
  value       = var.allowed_origins
}

output "noncurrent_versions" {
  description = "How overwritten or deleted object versions are bounded: expire after `days`, keeping at most `newer_versions` newer noncurrent versions per key."
  value = {
    days           = var.noncurrent_version_expiration_days
    newer_versions = var.newer_noncurrent_versions
  }
}
