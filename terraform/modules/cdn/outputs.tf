output "distribution_id" {
  description = "ID of the CloudFront distribution."
  value       = aws_cloudfront_distribution.uploads.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution (the AWS:SourceArn of OAC requests)."
  value       = aws_cloudfront_distribution.uploads.arn
}

output "domain_name" {
  description = "The distribution's cloudfront.net domain name."
  value       = aws_cloudfront_distribution.uploads.domain_name
}

output "cdn_domain" {
  description = "Domain viewers use: the first alias if any, else the cloudfront.net name."
  value       = length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.uploads.domain_name
}

output "cdn_url" {
  description = "Base URL of the CDN, https and without a trailing slash."
  value       = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.uploads.domain_name}"
}

output "origin_access" {
  description = "The origin access mode in use: \"oai\" or \"oac\"."
  value       = var.origin_access
}

output "oai_iam_arn" {
  description = "IAM ARN of the origin access identity (null in OAC mode), for the bucket policy."
  value       = local.use_oai ? aws_cloudfront_origin_access_identity.uploads[0].iam_arn : null
}

output "oac_id" {
  description = "ID of the origin access control (null in OAI mode)."
  value       = local.use_oai ? null : aws_cloudfront_origin_access_control.uploads[0].id
}
