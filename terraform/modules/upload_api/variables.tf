variable "name" {
  description = "Name prefix for every resource of the upload API (function, role, table, API, key alias)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,38}$", var.name))
    error_message = "name must be 1-39 characters of letters, digits and '-', starting with a letter or digit."
  }
}

variable "package_path" {
  description = "Path of the built upload API package (build/lambda/upload_api.zip, made by `make build`)."
  type        = string

  validation {
    condition     = fileexists(var.package_path)
    error_message = "package_path does not exist: run `make build` first."
  }
}

variable "bucket_name" {
  description = "Name of the uploads bucket the API presigns uploads into."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the uploads bucket."
  type        = string
}

variable "uploads_prefix" {
  description = "Key prefix of published (verified) objects: the keys the API answers with and POST /downloads accepts; the function cannot write there. Validated by the storage module (pass its uploads_prefix output)."
  type        = string
  default     = "uploads/"
}

variable "quarantine_prefix" {
  description = "Key prefix every presigned upload writes to; the function may write nowhere else, and the verifier publishes from there to uploads_prefix. Validated by the storage module (pass its quarantine_prefix output)."
  type        = string
  default     = "quarantine/"
  nullable    = false
}

variable "max_upload_bytes" {
  description = "Largest upload the API presigns, in bytes (enforced by S3 itself through the presigned POST's content-length-range)."
  type        = number
  default     = 10485760
  nullable    = false

  validation {
    condition     = var.max_upload_bytes >= 1 && var.max_upload_bytes <= 5368709120 && floor(var.max_upload_bytes) == var.max_upload_bytes
    error_message = "max_upload_bytes must be a whole number between 1 and 5 GiB (the single-request S3 limit)."
  }
}

variable "allowed_content_types" {
  description = "MIME types users may upload."
  type        = list(string)
  default     = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]
  nullable    = false

  validation {
    condition     = length(var.allowed_content_types) > 0 && alltrue([for t in var.allowed_content_types : contains(["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/svg+xml", "application/pdf", "video/mp4", "text/plain"], t)])
    error_message = "allowed_content_types must list at least one of the types the function knows a file extension for (lambda_src/upload_api/media_types.py): image/jpeg, image/png, image/gif, image/webp, image/avif, image/heic, image/svg+xml, application/pdf, video/mp4, text/plain."
  }

  # Active content (HTML, XHTML, SVG, any XML, script, Flash) runs in the browser when the CDN
  # serves it: stored XSS on a hostname that may be same-site with the app. The pattern is
  # lambda_src/upload_api/media_types.py's ACTIVE_CONTENT_PATTERN (a unit test compares them).
  validation {
    condition     = var.allow_active_content || alltrue([for t in var.allowed_content_types : !can(regex("(?i)^\\s*[^/;\\s]+/(html|xml|[^/;\\s]*\\+xml|xml-[^/;\\s]*|[^/;\\s]*script[^/;\\s]*|x-shockwave-flash)\\s*(;.*)?$", t))])
    error_message = "allowed_content_types lists an active content type (HTML, XHTML, SVG, XML, script): served from the CDN it can run script on a hostname same-site with your app (stored XSS). Remove it, or set allow_active_content = true if you accept that (terraform/README.md \"Active content\")."
  }
}

variable "allow_active_content" {
  description = "Opt-in for active content types in allowed_content_types (text/html, image/svg+xml, any +xml, script types): a browser runs their script when the CDN serves them, on a hostname that may be same-site with the app (stored XSS). Default false: such types are refused at plan time. The CDN's `Content-Security-Policy: default-src 'none'; sandbox` and `nosniff` headers are a second line, not a reason to opt in."
  type        = bool
  default     = false
  nullable    = false
}

variable "presign_expires_seconds" {
  description = "Lifetime of a presigned upload, in seconds. Short on purpose: role credentials expire anyway."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.presign_expires_seconds >= 30 && var.presign_expires_seconds <= 900 && floor(var.presign_expires_seconds) == var.presign_expires_seconds
    error_message = "presign_expires_seconds must be a whole number between 30 and 900."
  }
}

variable "download_token_ttl_seconds" {
  description = "Lifetime of a download token, in seconds (tokens travel in query strings, so keep them short)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.download_token_ttl_seconds >= 30 && var.download_token_ttl_seconds <= 3600 && floor(var.download_token_ttl_seconds) == var.download_token_ttl_seconds
    error_message = "download_token_ttl_seconds must be a whole number between 30 and 3600."
  }
}

variable "download_token_issuer" {
  description = "`iss` claim of the download tokens the API mints (the edge requires the same value)."
  type        = string

  validation {
    condition     = length(var.download_token_issuer) > 0
    error_message = "download_token_issuer must not be empty."
  }
}

variable "download_token_audience" {
  description = "`aud` claim of the download tokens the API mints (the edge requires the same value)."
  type        = string

  validation {
    condition     = length(var.download_token_audience) > 0
    error_message = "download_token_audience must not be empty."
  }
}

variable "download_access" {
  description = "Who may get a download token for an object: \"owner\" (only the user who uploaded it) or \"authenticated\" (any signed-in user)."
  type        = string
  default     = "owner"
  nullable    = false

  validation {
    condition     = contains(["owner", "authenticated"], var.download_access)
    error_message = "download_access must be \"owner\" or \"authenticated\"."
  }
}

variable "owner_key" {
  description = "The secret the object keys' owner segment is made from (HMAC-SHA256 of the user's `sub`): standard base64 (padded) of at least 32 random bytes, e.g. random_bytes.base64. Becomes OWNER_KEY."
  type        = string
  sensitive   = true
  nullable    = false

  validation {
    # The same rule as objectkeys.parse_owner_key; the message never shows the value.
    condition     = can(regex("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$", var.owner_key)) && length(var.owner_key) / 4 * 3 - length(regexall("=", var.owner_key)) >= 32
    error_message = "owner_key must be standard base64 (with padding) of at least 32 bytes."
  }
}

variable "previous_owner_keys" {
  description = "Owner keys used before a rotation (same format as owner_key): POST /downloads still accepts their segments as their owners' (PREVIOUS_OWNER_KEYS); new keys use owner_key only."
  type        = list(string)
  default     = []
  sensitive   = true
  nullable    = false

  validation {
    condition     = alltrue([for k in var.previous_owner_keys : can(regex("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$", k)) && length(k) / 4 * 3 - length(regexall("=", k)) >= 32])
    error_message = "Each previous_owner_keys entry must be standard base64 (with padding) of at least 32 bytes."
  }
}

variable "cdn_url" {
  description = "Base URL of the CDN serving downloads, without a trailing slash (https://d111111abcdef8.cloudfront.net)."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/]+$", var.cdn_url))
    error_message = "cdn_url must be scheme://host with no path and no trailing slash."
  }
}

variable "user_jwt_issuer" {
  description = "`iss` of the user tokens the API accepts (your identity provider)."
  type        = string

  validation {
    condition     = can(regex("^https?://", var.user_jwt_issuer))
    error_message = "user_jwt_issuer must be an http(s) URL."
  }
}

variable "user_jwt_audience" {
  description = "`aud` the user tokens must carry."
  type        = string

  validation {
    condition     = length(var.user_jwt_audience) > 0
    error_message = "user_jwt_audience must not be empty."
  }
}

variable "user_jwks_url" {
  description = "URL of the identity provider's JWKS. Exactly one of user_jwks_url and user_jwks_json must be set."
  type        = string
  default     = null

  validation {
    condition     = (var.user_jwks_url == null) != (var.user_jwks_json == null)
    error_message = "Set exactly one of user_jwks_url and user_jwks_json."
  }

  validation {
    condition     = var.user_jwks_url == null || can(regex("^(https://|http://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?(/|$))", var.user_jwks_url))
    error_message = "user_jwks_url must be an https URL (plain http only on loopback: 127.0.0.1 or localhost)."
  }
}

variable "user_jwks_json" {
  description = "The identity provider's JWKS as a JSON document, for providers the function cannot reach. Exactly one of user_jwks_url and user_jwks_json must be set."
  type        = string
  default     = null

  validation {
    condition     = var.user_jwks_json == null || can(jsondecode(var.user_jwks_json).keys)
    error_message = "user_jwks_json must be a JSON document with a \"keys\" array."
  }
}

variable "user_jwt_algorithms" {
  description = "Signature algorithms accepted on user tokens (asymmetric only: RFC 8725 forbids `none`, and HS* with public keys is an attack)."
  type        = list(string)
  default     = ["RS256", "ES256"]
  nullable    = false

  validation {
    condition     = length(var.user_jwt_algorithms) > 0 && alltrue([for a in var.user_jwt_algorithms : contains(["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "ES512", "EdDSA"], a)])
    error_message = "user_jwt_algorithms may contain only RS256, RS384, RS512, PS256, ES256, ES384, ES512 and EdDSA (the set the function accepts)."
  }
}

variable "allowed_origins" {
  description = "Browser origins the API answers CORS requests from. Validated by the storage module (pass its allowed_origins output)."
  type        = list(string)
}

variable "rate_limit_max_requests" {
  description = "Requests one user may make to the API per rate-limit window."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.rate_limit_max_requests >= 1 && var.rate_limit_max_requests <= 1000000 && floor(var.rate_limit_max_requests) == var.rate_limit_max_requests
    error_message = "rate_limit_max_requests must be a whole number between 1 and 1000000."
  }
}

variable "rate_limit_window_seconds" {
  description = "Length of the per-user rate-limit window, in seconds."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.rate_limit_window_seconds >= 1 && var.rate_limit_window_seconds <= 86400 && floor(var.rate_limit_window_seconds) == var.rate_limit_window_seconds
    error_message = "rate_limit_window_seconds must be a whole number between 1 and 86400."
  }
}

variable "stage_name" {
  description = "Name of the API Gateway stage (the first path segment of the API URL)."
  type        = string
  default     = "v1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.stage_name))
    error_message = "stage_name must be 1-64 characters of letters, digits, '_' and '-'."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the stage accepts across all users."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Burst of requests the stage accepts above the steady rate."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.throttling_burst_limit >= 1 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number of at least 1."
  }
}

variable "api_gateway_account_has_cloudwatch_role" {
  description = "Whether this region's API Gateway account settings already name a CloudWatch Logs role (apply modules/api_gateway_account once per region, or check with `aws apigateway get-account`). Access logs are written only then: a stage with access logs is refused otherwise. This stack never changes the account-wide setting."
  type        = bool
  default     = false
  nullable    = false
}

variable "kms_admin_arns" {
  description = "IAM principals (roles, users) that administer the signing key (never sign with it). Empty: the account root, so that IAM policies in the account can grant administration and the key cannot be locked out. Name only principals that exist: KMS refuses a policy naming unknown ones."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.kms_admin_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", arn))])
    error_message = "kms_admin_arns must be IAM role, user or account-root ARNs."
  }
}

variable "dynamodb_kms_key_arn" {
  description = "Optional customer-managed KMS key for the rate-limit table. Null (default): the AWS-owned key, which costs nothing and makes no KMS requests."
  type        = string
  default     = null

  validation {
    condition     = var.dynamodb_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.dynamodb_kms_key_arn))
    error_message = "dynamodb_kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's and the API's log groups, in days."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "log_level" {
  description = "Log level of the function (POWERTOOLS_LOG_LEVEL)."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's business metrics (POWERTOOLS_METRICS_NAMESPACE; EMF, no PutMetricData permission needed): PresignsIssued, Refusals, RateLimited, with the dimension service = name."
  type        = string
  default     = "UploadApi"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9A-Za-z._/#: -]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits, '.', '_', '/', '#', ':', '-' and space, and must not start with the reserved \"AWS/\"."
  }
}

variable "memory_size" {
  description = "Memory of the upload API function, in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240."
  }
}

variable "timeout_seconds" {
  description = "Timeout of the upload API function, in seconds (API Gateway gives up after 29)."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 29
    error_message = "timeout_seconds must be between 1 and 29."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before KMS deletes the signing key after it is destroyed or replaced."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}

variable "require_sha256" {
  description = "Whether POST /uploads requires the file's SHA-256 for single (POST/PUT) uploads; S3 then refuses other bytes. false makes it optional."
  type        = bool
  default     = true
  nullable    = false
}

variable "multipart_threshold_bytes" {
  description = "Above this size, an upload request without a method becomes a multipart upload. Capped at max_upload_bytes."
  type        = number
  default     = 10485760
  nullable    = false

  validation {
    condition     = var.multipart_threshold_bytes >= 1 && var.multipart_threshold_bytes <= 5368709120 && floor(var.multipart_threshold_bytes) == var.multipart_threshold_bytes
    error_message = "multipart_threshold_bytes must be a whole number between 1 and 5 GiB."
  }
}

variable "max_object_bytes" {
  description = "Largest multipart upload the API accepts, in bytes (S3 allows 5 TiB). Raised to max_upload_bytes when smaller."
  type        = number
  default     = 5368709120
  nullable    = false

  validation {
    condition     = var.max_object_bytes >= 1 && var.max_object_bytes <= 5497558138880 && floor(var.max_object_bytes) == var.max_object_bytes
    error_message = "max_object_bytes must be a whole number between 1 and 5 TiB (S3's object size limit)."
  }
}

variable "part_size_bytes" {
  description = "Preferred multipart part size; the API grows it in whole MiB when a file would need more than 10,000 parts."
  type        = number
  default     = 8388608
  nullable    = false

  validation {
    condition     = var.part_size_bytes >= 5242880 && var.part_size_bytes <= 5368709120 && floor(var.part_size_bytes) == var.part_size_bytes
    error_message = "part_size_bytes must be a whole number between 5 MiB and 5 GiB (S3's part size limits)."
  }
}

variable "part_sign_rate_max_requests" {
  description = "Part-signing requests (batches of up to 100 parts) per user within the rate-limit window: a larger budget than rate_limit_max_requests."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.part_sign_rate_max_requests >= 1 && var.part_sign_rate_max_requests <= 1000000 && floor(var.part_sign_rate_max_requests) == var.part_sign_rate_max_requests
    error_message = "part_sign_rate_max_requests must be a whole number between 1 and 1000000."
  }
}

variable "multipart_expires_seconds" {
  description = "Lifetime of an upload record: until then its owner may sign parts and complete; then DynamoDB's TTL removes it. Keep it below the bucket's incomplete-multipart cleanup."
  type        = number
  default     = 86400
  nullable    = false

  validation {
    condition     = var.multipart_expires_seconds >= 3600 && var.multipart_expires_seconds <= 604800 && floor(var.multipart_expires_seconds) == var.multipart_expires_seconds
    error_message = "multipart_expires_seconds must be a whole number between 3600 (1 hour) and 604800 (7 days)."
  }
}
