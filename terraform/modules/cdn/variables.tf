variable "name" {
  description = "Name prefix for the distribution's policies and origin access resources."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,47}$", var.name))
    error_message = "name must be 1-48 characters of letters, digits, '_' and '-'."
  }
}

variable "origin_access" {
  description = "How CloudFront reads the bucket: \"oai\" (origin access identity, the default this project requires) or \"oac\" (origin access control, AWS's current recommendation; needed for SSE-KMS and newer regions)."
  type        = string
  default     = "oai"
  nullable    = false

  validation {
    condition     = contains(["oai", "oac"], var.origin_access)
    error_message = "origin_access must be \"oai\" or \"oac\"."
  }
}

variable "bucket_regional_domain_name" {
  description = "Regional domain name of the uploads bucket (the origin)."
  type        = string
}

variable "edge_function_qualified_arn" {
  description = "Qualified ARN (with version number) of the viewer-request Lambda@Edge function."
  type        = string

  validation {
    # An unqualified ARN, $LATEST or an alias is rejected by CloudFront; catch it at plan time.
    condition     = can(regex(":function:[^:]+:[0-9]+$", var.edge_function_qualified_arn))
    error_message = "edge_function_qualified_arn must be a function ARN ending in a version number (not $LATEST, not an alias)."
  }
}

variable "price_class" {
  description = "CloudFront price class (which edge locations serve viewers)."
  type        = string
  default     = "PriceClass_100"
  nullable    = false

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "aliases" {
  description = "Custom domain names for the distribution (needs acm_certificate_arn). Empty = the cloudfront.net name only."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.aliases : can(regex("^[a-z0-9*][a-z0-9.-]*\\.[a-z]{2,}$", a))])
    error_message = "Each alias must be a lowercase domain name."
  }
}

variable "acm_certificate_arn" {
  description = "ARN of an ACM certificate in us-east-1 covering every alias. Required when aliases are set."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront uses no other region)."
  }

  validation {
    condition     = length(var.aliases) == 0 || var.acm_certificate_arn != null
    error_message = "aliases need an acm_certificate_arn."
  }
}

variable "minimum_protocol_version" {
  description = "Minimum TLS version for viewers when a custom certificate is used (the cloudfront.net certificate is fixed by AWS)."
  type        = string
  default     = "TLSv1.2_2021"

  validation {
    condition     = contains(["TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.3_2025"], var.minimum_protocol_version)
    error_message = "minimum_protocol_version must be TLS 1.2 or newer (TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021 or TLSv1.3_2025)."
  }
}

variable "web_acl_arn" {
  description = "Optional ARN of a WAFv2 web ACL (scope CLOUDFRONT, in us-east-1) to attach."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/.+$", var.web_acl_arn))
    error_message = "web_acl_arn must be a WAFv2 web ACL ARN with global (CLOUDFRONT) scope."
  }
}

variable "access_log_bucket_domain_name" {
  description = "Optional bucket domain name (bucket.s3.amazonaws.com, ACLs enabled) for standard (legacy) access logs. These record the viewer's query string (cs-uri-query), so a token sent as ?token= lands in them: enable only when clients send the token in the cookie or Authorization header, or use standard logging v2 without the cs-uri-query field (terraform/APPLY.md)."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket_domain_name == null || can(regex("\\.s3\\.amazonaws\\.com$", var.access_log_bucket_domain_name))
    error_message = "access_log_bucket_domain_name must end in .s3.amazonaws.com."
  }
}

variable "access_log_prefix" {
  description = "Key prefix of the access logs in the log bucket."
  type        = string
  default     = "cloudfront/"
}

variable "default_ttl_seconds" {
  description = "Default cache lifetime at the edge for objects without Cache-Control, in seconds. Uploads never change (fresh random keys), so long is fine; authorization still runs on every request."
  type        = number
  default     = 86400

  validation {
    condition     = var.default_ttl_seconds >= 0 && var.default_ttl_seconds <= 31536000
    error_message = "default_ttl_seconds must be between 0 and 31536000."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
