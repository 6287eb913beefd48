variable "name" {
  description = "Name of the edge function (and prefix of its role)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,53}$", var.name))
    error_message = "name must be 1-54 characters of letters, digits, '_' and '-' (the log group adds 'us-east-1.')."
  }
}

variable "package_zip" {
  description = "The edge package built by `make build` (build/lambda/edge_auth.zip): code and bytecode, without its configuration, which is baked in at apply time."
  type        = string

  validation {
    condition     = fileexists(var.package_zip)
    error_message = "package_zip must name the built edge zip (build/lambda/edge_auth.zip): run `make build` first."
  }
}

variable "issuer" {
  description = "`iss` the edge requires on download tokens (the upload API's download_token_issuer)."
  type        = string

  validation {
    condition     = length(var.issuer) > 0
    error_message = "issuer must not be empty."
  }
}

variable "audience" {
  description = "`aud` the edge requires on download tokens (the upload API's download_token_audience)."
  type        = string

  validation {
    condition     = length(var.audience) > 0
    error_message = "audience must not be empty."
  }
}

variable "signing_keys" {
  description = "Public keys trusted for download tokens, as {kid, pem}: the KMS signing key (kid = KMS key id) and, during a rotation, the previous one."
  type = list(object({
    kid = string
    pem = string
  }))

  validation {
    condition     = length(var.signing_keys) > 0
    error_message = "signing_keys must hold at least one key."
  }

  validation {
    condition     = alltrue([for k in var.signing_keys : length(k.kid) > 0])
    error_message = "Every signing key needs a non-empty kid."
  }

  validation {
    condition     = length(distinct([for k in var.signing_keys : k.kid])) == length(var.signing_keys)
    error_message = "Signing key ids (kid) must be unique."
  }
}

variable "identity_provider" {
  description = <<-EOT
    Optional: also accept the users' own identity-provider tokens at the edge (same path rules: the owner
    segment of the path must be the owner_claim's under one of owner_keys, which are then required). Keys are {kid, pem} or JWK-style {kid, n, e}. null = off.
  EOT
  type = object({
    issuer      = string
    audience    = string
    owner_claim = optional(string, "sub")
    keys = list(object({
      kid = string
      pem = optional(string)
      n   = optional(string)
      e   = optional(string)
    }))
  })
  default = null

  validation {
    condition     = var.identity_provider == null || try(length(var.identity_provider.keys) > 0, false)
    error_message = "identity_provider.keys must hold at least one key."
  }

  validation {
    condition = var.identity_provider == null || alltrue([
      for k in try(var.identity_provider.keys, []) : (k.pem != null) != (k.n != null && k.e != null)
    ])
    error_message = "Each identity-provider key needs either pem or both n and e."
  }

  validation {
    condition     = var.identity_provider == null || try(length(var.identity_provider.owner_claim) > 0, false)
    error_message = "identity_provider.owner_claim must name a claim (not empty)."
  }
}

variable "owner_keys" {
  description = "The upload API's owner keys, current first (owner_key, then previous_owner_keys): the identity-provider rule compares the path's owner segment with the HMAC of the owner_claim under each. Baked only when identity_provider is set (its one use); required then."
  type        = list(string)
  default     = []
  sensitive   = true
  nullable    = false

  validation {
    condition     = alltrue([for k in var.owner_keys : can(regex("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$", k)) && length(k) / 4 * 3 - length(regexall("=", k)) >= 32])
    error_message = "Each owner_keys entry must be standard base64 (with padding) of at least 32 bytes."
  }

  validation {
    condition     = var.identity_provider == null || length(var.owner_keys) > 0
    error_message = "owner_keys must hold the upload API's owner key when identity_provider is set."
  }
}

variable "query_param" {
  description = "Query-string parameter carrying the token."
  type        = string
  default     = "authorization"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+$", var.query_param))
    error_message = "query_param must be letters, digits, '_' or '-'."
  }
}

variable "cookie_name" {
  description = "Cookie carrying the token."
  type        = string
  default     = "cdn_token"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+$", var.cookie_name))
    error_message = "cookie_name must be letters, digits, '_' or '-'."
  }
}

variable "leeway_seconds" {
  description = "Clock-skew tolerance when checking exp/nbf/iat, in seconds (RFC 8725: keep it small)."
  type        = number
  default     = 30

  validation {
    condition     = var.leeway_seconds >= 0 && var.leeway_seconds <= 120 && floor(var.leeway_seconds) == var.leeway_seconds
    error_message = "leeway_seconds must be a whole number between 0 and 120."
  }
}

variable "uploads_prefix" {
  description = "Key prefix the edge serves; anything else is refused. Validated by the storage module (pass its uploads_prefix output)."
  type        = string
  default     = "uploads/"
}

variable "timeout_seconds" {
  description = "Timeout of the function, in seconds (viewer triggers allow at most 5)."
  type        = number
  default     = 5

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 5
    error_message = "timeout_seconds must be between 1 and 5: CloudFront rejects longer viewer-request functions."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's us-east-1 log group, in days. Log groups CloudFront creates in other regions keep logs forever unless you set retention there."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "skip_destroy" {
  description = "On destroy, drop the function from state instead of deleting it: deleting fails while CloudFront still holds replicas (for hours after the distribution is gone). Delete it by hand later; see README."
  type        = bool
  default     = true
  nullable    = false
}

variable "package_output_path" {
  description = "Where apply writes the baked zip. Defaults to .terraform/edge_auth.zip under the root module (ignored by git)."
  type        = string
  default     = null
}

variable "python_executable" {
  description = "Python 3.9+ on the machine that runs `terraform apply`; it bakes the configuration into the package (standard library only)."
  type        = string
  default     = "python3"
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}

variable "allowed_origins" {
  description = "Browser origins whose pages may read the edge's own 401/403 responses (baked into the package, answered with Access-Control-Allow-Origin). Validated by the storage module (pass its allowed_origins output)."
  type        = list(string)
  default     = []
  nullable    = false
}
