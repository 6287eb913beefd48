variable "bucket_name" {
  description = "Name of the uploads bucket (globally unique, 3-63 characters, lowercase letters, digits, dots and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit."
  }
}

variable "uploads_prefix" {
  description = "Key prefix under which users upload and the CDN may read (for example \"uploads/\")."
  type        = string
  default     = "uploads/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*/$", var.uploads_prefix))
    error_message = "uploads_prefix must be a single lowercase path segment ending in '/', for example \"uploads/\"."
  }
}

variable "quarantine_prefix" {
  description = "Key prefix presigned uploads write to and nothing serves: objects wait there until the verifier publishes them under uploads_prefix."
  type        = string
  default     = "quarantine/"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*/$", var.quarantine_prefix)) && var.quarantine_prefix != var.uploads_prefix
    error_message = "quarantine_prefix must be a single lowercase path segment ending in '/', different from uploads_prefix."
  }
}

variable "rejected_prefix" {
  description = "Key prefix rejected uploads are kept under for inspection while rejected_retention_days > 0 (never served)."
  type        = string
  default     = "rejected/"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*/$", var.rejected_prefix)) && !contains([var.uploads_prefix, var.quarantine_prefix], var.rejected_prefix)
    error_message = "rejected_prefix must be a single lowercase path segment ending in '/', different from uploads_prefix and quarantine_prefix."
  }
}

variable "quarantine_retention_days" {
  description = "Days after which S3 expires an object still under quarantine_prefix (an upload never verified, e.g. while the verifier was down longer than the queue keeps messages)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.quarantine_retention_days >= 1 && floor(var.quarantine_retention_days) == var.quarantine_retention_days
    error_message = "quarantine_retention_days must be a whole number of at least 1."
  }
}

variable "rejected_retention_days" {
  description = "Days rejected uploads are kept under rejected_prefix before S3 expires them; 0 = not kept (the verifier deletes them, and output rejected_prefix is \"\")."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.rejected_retention_days >= 0 && floor(var.rejected_retention_days) == var.rejected_retention_days
    error_message = "rejected_retention_days must be a whole number, 0 or more."
  }
}

variable "allowed_origins" {
  description = "Browser origins allowed by the bucket's CORS rules to upload (PUT/POST) and read (GET/HEAD), for example [\"https://app.example.com\"]. Never \"*\"."
  type        = list(string)

  validation {
    condition     = length(var.allowed_origins) > 0
    error_message = "allowed_origins must list at least one origin."
  }

  validation {
    condition     = alltrue([for origin in var.allowed_origins : can(regex("^https?://[^/*\\s]+$", origin))])
    error_message = "Each allowed origin must be scheme://host[:port] without a path, and never contain '*'."
  }
}

variable "cors_allowed_headers" {
  description = "Request headers browsers may send in CORS requests to the bucket (directly for uploads, through the CDN for downloads)."
  type        = list(string)
  # if-none-match: presigned PUTs sign `If-None-Match: *` (write once), so browsers send it.
  # x-amz-checksum-sha256 is named as well as matched by x-amz-*: single PUTs and every part
  # sign it, and LocalStack's S3 matches only exact names or a bare '*' in a preflight.
  default = ["authorization", "content-type", "content-md5", "if-none-match", "x-amz-checksum-sha256", "x-amz-*"]

  validation {
    condition     = !contains(var.cors_allowed_headers, "*")
    error_message = "cors_allowed_headers must name headers; a bare '*' is not allowed."
  }
}

variable "cors_max_age_seconds" {
  description = "How long browsers may cache the answer to a CORS preflight, in seconds."
  type        = number
  default     = 3000

  validation {
    condition     = var.cors_max_age_seconds >= 0 && var.cors_max_age_seconds <= 86400
    error_message = "cors_max_age_seconds must be between 0 and 86400."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which S3 aborts incomplete multipart uploads and deletes their parts."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1 && floor(var.abort_incomplete_multipart_days) == var.abort_incomplete_multipart_days
    error_message = "abort_incomplete_multipart_days must be a whole number of at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which S3 deletes object versions that were overwritten or deleted (versioning protects against accidental overwrite; this bounds its cost)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of at least 1."
  }
}

variable "cdn_access" {
  description = <<-EOT
    Who may read objects under uploads_prefix: the CloudFront distribution, through an origin access identity
    (type = "oai", oai_iam_arn set) or an origin access control (type = "oac", distribution_arn set).
  EOT
  type = object({
    type             = string
    oai_iam_arn      = optional(string)
    distribution_arn = optional(string)
  })

  validation {
    condition     = contains(["oai", "oac"], var.cdn_access.type)
    error_message = "cdn_access.type must be \"oai\" or \"oac\"."
  }

  validation {
    condition     = var.cdn_access.type == "oai" ? var.cdn_access.oai_iam_arn != null : var.cdn_access.distribution_arn != null
    error_message = "cdn_access needs oai_iam_arn for type \"oai\" and distribution_arn for type \"oac\"."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket while it still holds objects. Keep false in production."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}

variable "newer_noncurrent_versions" {
  description = "How many noncurrent versions of a key S3 keeps beyond noncurrent_version_expiration_days' age limit (older ones expire with it)."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.newer_noncurrent_versions >= 1 && var.newer_noncurrent_versions <= 100 && floor(var.newer_noncurrent_versions) == var.newer_noncurrent_versions
    error_message = "newer_noncurrent_versions must be a whole number from 1 to 100."
  }
}
