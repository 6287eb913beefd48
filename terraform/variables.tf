# Inputs of the composition. Each value is validated once, by the module that consumes it
# (the rule and its error message live there); this file validates only what it derives
# names from itself. Defaults live in the modules too: an optional() attribute left unset
# arrives there as null, and the module's `nullable = false` variable takes its default.

variable "name" {
  description = "Name prefix for every resource (function, role, table, API, distribution policies). The composition derives longer names from it, hence its own, shorter limit."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,29}$", var.name))
    error_message = "name must be 1-30 characters of lowercase letters, digits and '-', starting with a letter or digit."
  }
}

variable "bucket_name" {
  description = "Name of the uploads bucket (globally unique). Validated by the storage module."
  type        = string
}

variable "allowed_origins" {
  description = "Web origins allowed to call the API and to upload/download with CORS, for example [\"https://app.example.com\"]. Required: there is no safe default, and never \"*\". Validated by the storage module, which hands the checked list to the upload API."
  type        = list(string)
}

variable "packages" {
  description = "Where the built Lambda packages are (`make build`): upload_api_zip = build/lambda/upload_api.zip, verifier_zip = build/lambda/verifier.zip, edge_auth_zip = build/lambda/edge_auth.zip (its configuration is baked in at apply time by python_executable, a Python 3.9+ on the applying machine)."
  type = object({
    upload_api_zip    = string
    verifier_zip      = string
    edge_auth_zip     = string
    python_executable = optional(string, "python3")
  })
  nullable = false
}

variable "identity_provider" {
  description = <<-EOT
    Your identity provider: `iss` and `aud` of its user tokens, its keys as exactly one of jwks_url and
    jwks_json, and the algorithms accepted (default RS256, ES256). edge = { audience, keys = [...] } also
    accepts its tokens at the edge (owner's own files only), with keys baked in as {kid, pem} or {kid, n, e};
    null = off. edge.audience is the `aud` the edge requires: a CDN-only audience, different from `audience`,
    so that no token the API accepts is ever valid in a CDN URL or held by the service worker.
  EOT
  type = object({
    issuer     = string
    audience   = string
    jwks_url   = optional(string)
    jwks_json  = optional(string)
    algorithms = optional(list(string))
    edge = optional(object({
      audience    = string
      owner_claim = optional(string)
      keys = list(object({
        kid = string
        pem = optional(string)
        n   = optional(string)
        e   = optional(string)
      }))
    }))
  })
  nullable = false

  validation {
    condition     = var.identity_provider.edge == null || try(var.identity_provider.edge.audience != "" && var.identity_provider.edge.audience != var.identity_provider.audience, false)
    error_message = "identity_provider.edge.audience must be set, non-empty and different from identity_provider.audience: the API's audience must never be accepted at the edge."
  }
}

variable "uploads" {
  description = <<-EOT
    Uploads: max_bytes (largest upload; S3 enforces it through the presigned POST), content_types (MIME types users
    may upload), presign_expires_seconds (lifetime of a presigned upload), allow_active_content (opt-in for active
    types such as image/svg+xml in content_types: served from the CDN they can run script on a hostname same-site
    with your app; default false, and such types are refused at plan), require_sha256 (single uploads must name the
    file's SHA-256, which S3 then enforces; default true), multipart_threshold_bytes (above it an upload is multipart
    unless the client picks), max_object_bytes (largest multipart upload; default 5 GiB, S3 allows 5 TiB),
    part_size_bytes (preferred part size, 5 MiB..5 GiB), multipart_expires_seconds (lifetime of an upload record and
    of the right to sign and complete). Unset = the upload_api module's defaults.
  EOT
  type = object({
    max_bytes                 = optional(number)
    content_types             = optional(list(string))
    presign_expires_seconds   = optional(number)
    allow_active_content      = optional(bool)
    require_sha256            = optional(bool)
    multipart_threshold_bytes = optional(number)
    max_object_bytes          = optional(number)
    part_size_bytes           = optional(number)
    multipart_expires_seconds = optional(number)
  })
  default  = {}
  nullable = false
}

variable "rate_limit" {
  description = "Per-user API rate limit: max_requests per window of window_seconds; part_sign_max_requests, the larger budget of part-signing batches per window; table_kms_key_arn, a customer-managed KMS key for the counters' and upload records' tables (unset: the AWS-owned key, no KMS requests). Unset = the upload_api module's defaults."
  type = object({
    max_requests           = optional(number)
    window_seconds         = optional(number)
    part_sign_max_requests = optional(number)
    table_kms_key_arn      = optional(string)
  })
  default  = {}
  nullable = false
}

variable "downloads" {
  description = <<-EOT
    Downloads: access ("owner" or "authenticated"), token_ttl_seconds, token_issuer (default urn:<name>:upload-api),
    token_audience (default urn:<name>:cdn), additional_trusted_keys (extra {kid, pem} public keys the edge trusts,
    during a signing-key rotation: the previous key), signing_key_deletion_window_days, signing_key_admin_arns (IAM
    roles/users that administer, never use, the signing key; unset or empty: the account root, so IAM can always
    grant administration and the key cannot be locked out).
  EOT
  type = object({
    access            = optional(string)
    token_ttl_seconds = optional(number)
    token_issuer      = optional(string)
    token_audience    = optional(string)
    additional_trusted_keys = optional(list(object({
      kid = string
      pem = string
    })), [])
    signing_key_deletion_window_days = optional(number)
    signing_key_admin_arns           = optional(list(string))
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in var.downloads.additional_trusted_keys : startswith(trimspace(k.pem), "-----BEGIN PUBLIC KEY-----")])
    error_message = "Each additional trusted key must be a PEM public key (-----BEGIN PUBLIC KEY-----), never a private key."
  }
}

variable "api" {
  description = "API Gateway stage: stage_name (first path segment of api_url), throttling_rate_limit and throttling_burst_limit (across all users), account_has_cloudwatch_role (true once the region's account-wide API Gateway CloudWatch role exists, see terraform/APPLY.md: turns the stage's access logs on; false applies cleanly on a fresh account)."
  type = object({
    stage_name                  = optional(string)
    throttling_rate_limit       = optional(number)
    throttling_burst_limit      = optional(number)
    account_has_cloudwatch_role = optional(bool)
  })
  default  = {}
  nullable = false
}

variable "cdn" {
  description = "CloudFront: origin_access (\"oai\", the default, or \"oac\"), price_class, aliases (need acm_certificate_arn, in us-east-1), web_acl_arn (WAFv2, CLOUDFRONT scope), access_log_bucket_domain_name, edge_skip_destroy (leave the edge function in AWS on destroy: replicas block its deletion for hours)."
  type = object({
    origin_access                 = optional(string)
    price_class                   = optional(string)
    aliases                       = optional(list(string))
    acm_certificate_arn           = optional(string)
    web_acl_arn                   = optional(string)
    access_log_bucket_domain_name = optional(string)
    edge_skip_destroy             = optional(bool)
  })
  default  = {}
  nullable = false
}

variable "logging" {
  description = "retention_days of the log groups Terraform creates, and level of the upload API's and the verifier's logs. Unset = the modules' defaults."
  type = object({
    retention_days = optional(number)
    level          = optional(string)
  })
  default  = {}
  nullable = false
}

variable "bucket_versions" {
  description = "How long the bucket keeps old object versions: noncurrent_days (age after which an overwritten or deleted version expires), newer_noncurrent_versions (how many newer old versions per key survive that age), abort_incomplete_multipart_days. Unset = the storage module's defaults."
  type = object({
    noncurrent_days                 = optional(number)
    newer_noncurrent_versions       = optional(number)
    abort_incomplete_multipart_days = optional(number)
  })
  default  = {}
  nullable = false
}

variable "monitoring" {
  description = <<-EOT
    Operators' view (modules/monitoring): alarm_topic_arn (SNS topic notified on ALARM and OK; unset: no alarms
    are created, the dashboard still is), dashboard (default true), cdn_additional_metrics (CloudFront's billed
    additional metrics, default true), thresholds (see the module's README). Unset = the module's defaults.
  EOT
  type = object({
    alarm_topic_arn        = optional(string)
    dashboard              = optional(bool)
    cdn_additional_metrics = optional(bool)
    thresholds = optional(object({
      period_seconds        = optional(number)
      evaluation_periods    = optional(number)
      api_min_requests      = optional(number)
      api_5xx_percent       = optional(number)
      api_latency_p90_ms    = optional(number)
      api_latency_p99_ms    = optional(number)
      function_errors       = optional(number)
      function_throttles    = optional(number)
      cdn_5xx_percent       = optional(number)
      edge_execution_errors = optional(number)
      table_throttles       = optional(number)
    }))
  })
  default  = {}
  nullable = false
}

variable "verification" {
  description = <<-EOT
    The verification pipeline (modules/verification): uploads land under a quarantine prefix, S3 notifies a queue,
    the verifier publishes each object to the uploads prefix or rejects it. batch_size and
    maximum_batching_window_seconds (event source mapping), maximum_concurrency, timeout_seconds and memory_size
    (verifier), visibility_timeout_seconds (default 6 x timeout_seconds, never less), max_receive_count (receives
    before the dead-letter queue), message_retention_seconds, max_image_pixels, quarantine_retention_days (expiry of
    never-verified objects, default 7), rejected_retention_days (how long rejected objects are kept under rejected/,
    default 7; 0 = deleted at once), alarm_dead_letter_messages and alarm_oldest_message_age_seconds (thresholds of
    the two queue alarms, created with monitoring.alarm_topic_arn). Unset = the modules' defaults.
  EOT
  type = object({
    batch_size                       = optional(number)
    maximum_batching_window_seconds  = optional(number)
    maximum_concurrency              = optional(number)
    timeout_seconds                  = optional(number)
    memory_size                      = optional(number)
    visibility_timeout_seconds       = optional(number)
    max_receive_count                = optional(number)
    message_retention_seconds        = optional(number)
    max_image_pixels                 = optional(number)
    quarantine_retention_days        = optional(number)
    rejected_retention_days          = optional(number)
    alarm_dead_letter_messages       = optional(number)
    alarm_oldest_message_age_seconds = optional(number)
  })
  default  = {}
  nullable = false
}

variable "force_destroy_bucket" {
  description = "Let destroy delete the bucket with its objects. Keep false (the storage module's default) in production."
  type        = bool
  default     = null
}


variable "owner_key" {
  description = <<-EOT
    The secret the object keys' owner segment is derived from (HMAC-SHA256 of the user's `sub`), as
    standard base64 of at least 32 random bytes (`openssl rand -base64 32`). null = generated once
    (random_bytes, kept in the state). Rotating it changes the segment of new uploads only: existing
    objects keep their keys, so list the old value in previous_owner_keys or their owners lose
    access. Validated by the upload_api and edge_auth modules.
  EOT
  type        = string
  default     = null
  sensitive   = true
}

variable "previous_owner_keys" {
  description = "Owner keys used before a rotation (same format as owner_key): they still prove ownership of the keys they made (POST /downloads, the edge's identity-provider rule) and never make new ones."
  type        = list(string)
  default     = []
  nullable    = false
  sensitive   = true
}
