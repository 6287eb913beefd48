# --- Naming and placement -------------------------------------------------------

variable "name" {
  description = "Name prefix for every resource (function, role, table, API, distribution policies)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,29}$", var.name))
    error_message = "name must be 1-30 characters of lowercase letters, digits and '-', starting with a letter or digit."
  }
}

variable "region" {
  description = "Region of the bucket, the API and the signing key. The edge function is always in us-east-1."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "bucket_name" {
  description = "Name of the uploads bucket (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-'."
  }
}

variable "tags" {
  description = "Tags added to every resource (provider default_tags)."
  type        = map(string)
  default     = {}
}

# --- Browsers and users ----------------------------------------------------------

variable "allowed_origins" {
  description = "Web origins allowed to call the API and to upload/download with CORS, for example [\"https://app.example.com\"]. Required: there is no safe default, and never \"*\"."
  type        = list(string)

  validation {
    condition     = length(var.allowed_origins) > 0
    error_message = "allowed_origins must list at least one origin."
  }

  validation {
    condition     = alltrue([for origin in var.allowed_origins : can(regex("^https?://[^/*\\s]+$", origin))])
    error_message = "Each allowed origin must be scheme://host[:port], without a path and never with '*'."
  }
}

variable "user_jwt_issuer" {
  description = "`iss` of your identity provider's user tokens."
  type        = string

  validation {
    condition     = can(regex("^https?://", var.user_jwt_issuer))
    error_message = "user_jwt_issuer must be an http(s) URL."
  }
}

variable "user_jwt_audience" {
  description = "`aud` your identity provider puts in user tokens for this app."
  type        = string

  validation {
    condition     = length(var.user_jwt_audience) > 0
    error_message = "user_jwt_audience must not be empty."
  }
}

variable "user_jwks_url" {
  description = "JWKS URL of your identity provider. Set exactly one of user_jwks_url and user_jwks_json."
  type        = string
  default     = null
}

variable "user_jwks_json" {
  description = "JWKS document of your identity provider (JSON), when the API cannot fetch a URL. Set exactly one of user_jwks_url and user_jwks_json."
  type        = string
  default     = null
}

variable "user_jwt_algorithms" {
  description = "Asymmetric algorithms accepted on user tokens."
  type        = list(string)
  default     = ["RS256", "ES256"]
}

variable "edge_accepts_user_tokens" {
  description = "Also accept identity-provider tokens at the edge (owner's own files only), using edge_user_jwt_keys. Download tokens from the API are always accepted."
  type        = bool
  default     = false
}

variable "edge_user_jwt_keys" {
  description = "Identity-provider public keys baked into the edge function when edge_accepts_user_tokens is true, as {kid, pem} or {kid, n, e} (the edge cannot fetch a JWKS per request)."
  type = list(object({
    kid = string
    pem = optional(string)
    n   = optional(string)
    e   = optional(string)
  }))
  default = []

  validation {
    condition     = !var.edge_accepts_user_tokens || length(var.edge_user_jwt_keys) > 0
    error_message = "edge_accepts_user_tokens needs at least one key in edge_user_jwt_keys."
  }
}

# --- Uploads ---------------------------------------------------------------------

variable "max_upload_bytes" {
  description = "Largest upload, in bytes (S3 enforces it through the presigned POST)."
  type        = number
  default     = 10485760
}

variable "allowed_content_types" {
  description = "MIME types users may upload."
  type        = list(string)
  default     = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]
}

variable "presign_expires_seconds" {
  description = "Lifetime of a presigned upload, in seconds."
  type        = number
  default     = 300
}

variable "rate_limit_max_requests" {
  description = "API requests one user may make per rate-limit window."
  type        = number
  default     = 30
}

variable "rate_limit_window_seconds" {
  description = "Length of the per-user rate-limit window, in seconds."
  type        = number
  default     = 60
}

# --- Downloads -------------------------------------------------------------------

variable "download_access" {
  description = "Who may get a download token for an object: \"owner\" or \"authenticated\" (any signed-in user)."
  type        = string
  default     = "owner"
}

variable "download_token_ttl_seconds" {
  description = "Lifetime of a download token, in seconds."
  type        = number
  default     = 900
}

variable "download_token_issuer" {
  description = "`iss` of download tokens. Default: urn:<name>:upload-api."
  type        = string
  default     = null
}

variable "download_token_audience" {
  description = "`aud` of download tokens. Default: urn:<name>:cdn."
  type        = string
  default     = null
}

variable "additional_trusted_keys" {
  description = "Extra public keys the edge trusts for download tokens, as {kid, pem}: during a signing-key rotation, the previous key (see README)."
  type = list(object({
    kid = string
    pem = string
  }))
  default = []

  validation {
    condition     = alltrue([for k in var.additional_trusted_keys : startswith(trimspace(k.pem), "-----BEGIN PUBLIC KEY-----")])
    error_message = "Each additional trusted key must be a PEM public key (-----BEGIN PUBLIC KEY-----), never a private key."
  }
}

# --- API -------------------------------------------------------------------------

variable "api_stage_name" {
  description = "Name of the API Gateway stage (first path segment of api_url)."
  type        = string
  default     = "v1"
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the API stage accepts across all users."
  type        = number
  default     = 50
}

variable "api_throttling_burst_limit" {
  description = "Burst of requests the API stage accepts above the steady rate."
  type        = number
  default     = 100
}

variable "create_api_gateway_account_role" {
  description = "Create the per-region, account-wide CloudWatch role API Gateway needs to write access logs. Leave false when the account already has one."
  type        = bool
  default     = false
}

variable "upload_api_package_path" {
  description = "Path of the upload API zip. Default: build/lambda/upload_api.zip in the repository."
  type        = string
  default     = null
}

variable "edge_package_dir" {
  description = "Directory of the edge package tree without config. Default: build/lambda/edge_auth/ in the repository."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the log groups Terraform creates, in days."
  type        = number
  default     = 365
}

variable "log_level" {
  description = "Log level of the upload API function."
  type        = string
  default     = "INFO"
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a destroyed or replaced signing key is deleted, in days."
  type        = number
  default     = 30
}

# --- CDN -------------------------------------------------------------------------

variable "origin_access" {
  description = "How CloudFront reads the bucket: \"oai\" (default, required by this project) or \"oac\"."
  type        = string
  default     = "oai"

  validation {
    condition     = contains(["oai", "oac"], var.origin_access)
    error_message = "origin_access must be \"oai\" or \"oac\"."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "cdn_aliases" {
  description = "Custom domain names for the CDN (need cdn_acm_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "cdn_acm_certificate_arn" {
  description = "ACM certificate (us-east-1) for cdn_aliases."
  type        = string
  default     = null
}

variable "cdn_web_acl_arn" {
  description = "Optional WAFv2 web ACL (CLOUDFRONT scope) for the distribution."
  type        = string
  default     = null
}

variable "cdn_access_log_bucket_domain_name" {
  description = "Optional bucket domain name for CloudFront standard access logs."
  type        = string
  default     = null
}

variable "edge_skip_destroy" {
  description = "Leave the edge function in AWS on destroy (replicas block deletion for hours); delete it by hand later."
  type        = bool
  default     = true
}

variable "force_destroy_bucket" {
  description = "Let destroy delete the bucket with its objects. Keep false in production."
  type        = bool
  default     = false
}

variable "edge_user_jwt_audience" {
  description = "`aud` the edge requires of identity-provider tokens when edge_accepts_user_tokens is true: a CDN-only audience, different from user_jwt_audience, so no token the API accepts is ever valid in a CDN URL or held by the service worker."
  type        = string
  default     = null

  validation {
    condition     = !var.edge_accepts_user_tokens || (var.edge_user_jwt_audience != null && var.edge_user_jwt_audience != "" && var.edge_user_jwt_audience != var.user_jwt_audience)
    error_message = "edge_accepts_user_tokens needs edge_user_jwt_audience, non-empty and different from user_jwt_audience (the API's audience must never be accepted at the edge)."
  }
}
