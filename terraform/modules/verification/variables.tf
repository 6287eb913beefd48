variable "name" {
  description = "Name prefix of the queue, dead-letter queue, function, role, log group and alarms."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters of lowercase letters, digits and '-', starting with a letter or digit."
  }
}

variable "package_path" {
  description = "Path of the verifier's zip (`make build` writes build/lambda/verifier.zip)."
  type        = string

  validation {
    condition     = endswith(var.package_path, ".zip") || endswith(var.package_path, ".txt")
    error_message = "package_path must be the verifier's built zip (a .txt only for the module's own tests)."
  }
}

variable "bucket_name" {
  description = "Name of the uploads bucket whose quarantine prefix is verified."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the uploads bucket: the only source the queue admits (aws:SourceArn)."
  type        = string
}

variable "quarantine_prefix" {
  description = "Key prefix presigned uploads write to: what the verifier reads and the notification filters on. Validated by the storage module (pass its quarantine_prefix output)."
  type        = string
}

variable "published_prefix" {
  description = "Key prefix verified objects are copied to, the only one the CDN serves. Validated by the storage module (pass its uploads_prefix output)."
  type        = string
}

variable "rejected_prefix" {
  description = "Key prefix rejected objects are kept under for inspection; \"\" = rejected objects are deleted. Validated by the storage module, which also expires them (pass its rejected_prefix output)."
  type        = string
}

variable "upload_table_name" {
  description = "Name of the upload-record table (upload_api module output upload_table_name)."
  type        = string
}

variable "upload_table_arn" {
  description = "ARN of the upload-record table: the only table the verifier reads and updates."
  type        = string
}

variable "allowed_content_types" {
  description = "MIME types a verified object may have: a sniffed type outside it is rejected. Validated by the upload_api module (pass its list)."
  type        = list(string)
}

variable "max_image_pixels" {
  description = "Largest image (width x height) the verifier publishes; larger ones are rejected (too_many_pixels): a decompression-bomb guard for whoever decodes them later."
  type        = number
  default     = 40000000
  nullable    = false

  validation {
    condition     = var.max_image_pixels >= 1 && var.max_image_pixels <= 1000000000 && floor(var.max_image_pixels) == var.max_image_pixels
    error_message = "max_image_pixels must be a whole number from 1 to 1000000000."
  }
}

variable "memory_size" {
  description = "Memory of the verifier function, in MB. It reads only the first bytes of an object (the copy is server-side), so little is needed."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout_seconds" {
  description = "Timeout of the verifier function, in seconds: one batch, including the server-side copy of the largest object (UploadPartCopy of 5 GiB parts)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.timeout_seconds >= 3 && var.timeout_seconds <= 900 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number from 3 to 900."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the queue, in seconds; null (default) = 6 x timeout_seconds. AWS recommends at least 6 x the function's timeout, so that a batch still retried by Lambda is not delivered twice; smaller values are refused."
  type        = number
  default     = null

  validation {
    condition     = var.visibility_timeout_seconds == null || try(var.visibility_timeout_seconds >= 6 * var.timeout_seconds && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds, false)
    error_message = "visibility_timeout_seconds must be a whole number of at least 6 x timeout_seconds and at most 43200 (SQS's maximum)."
  }
}

variable "batch_size" {
  description = "Most messages the event source mapping hands the verifier per invocation (SQS: 1-10000; above 10 needs maximum_batching_window_seconds >= 1)."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number from 1 to 10000."
  }

  validation {
    condition     = var.batch_size <= 10 || var.maximum_batching_window_seconds >= 1
    error_message = "A batch_size above 10 needs maximum_batching_window_seconds of at least 1 (Lambda's rule for SQS)."
  }
}

variable "maximum_batching_window_seconds" {
  description = "How long the event source mapping gathers messages before invoking with fewer than batch_size, in seconds (0 = invoke as soon as messages arrive)."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.maximum_batching_window_seconds >= 0 && var.maximum_batching_window_seconds <= 300 && floor(var.maximum_batching_window_seconds) == var.maximum_batching_window_seconds
    error_message = "maximum_batching_window_seconds must be a whole number from 0 to 300."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent verifier invocations the event source mapping starts (2-1000); null (default) = Lambda's own scaling."
  type        = number
  default     = null

  validation {
    condition     = var.maximum_concurrency == null || try(var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency, false)
    error_message = "maximum_concurrency must be null or a whole number from 2 to 1000."
  }
}

variable "max_receive_count" {
  description = "Receives after which a message the verifier keeps failing on moves to the dead-letter queue (redrive policy maxReceiveCount)."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "message_retention_seconds" {
  description = "How long the queue keeps an undelivered message, in seconds (the dead-letter queue keeps its messages 14 days, SQS's maximum)."
  type        = number
  default     = 345600
  nullable    = false

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600 && floor(var.message_retention_seconds) == var.message_retention_seconds
    error_message = "message_retention_seconds must be a whole number from 60 to 1209600."
  }
}

variable "log_retention_days" {
  description = "Retention of the verifier's log group, in days."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "log_level" {
  description = "Log level of the verifier (POWERTOOLS_LOG_LEVEL)."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the verifier's business metrics (POWERTOOLS_METRICS_NAMESPACE; the upload API's, so both services share one)."
  type        = string
  default     = "UploadApi"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9A-Za-z._/#: -]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and . - _ / # : space, and not start with \"AWS/\"."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic (standard) notified on ALARM and OK of the queue alarms (monitoring.alarm_topic_arn). Null (default): no alarms, as in modules/monitoring."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<name>)."
  }
}

variable "alarm_dead_letter_messages" {
  description = "The dead-letter alarm fires when the dead-letter queue holds at least this many messages (each is an upload stuck in pending)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.alarm_dead_letter_messages >= 1 && floor(var.alarm_dead_letter_messages) == var.alarm_dead_letter_messages
    error_message = "alarm_dead_letter_messages must be a whole number of at least 1."
  }
}

variable "alarm_oldest_message_age_seconds" {
  description = "The backlog alarm fires when the oldest message of the queue is at least this old, in seconds (uploads waiting that long to become ready)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.alarm_oldest_message_age_seconds >= 60 && floor(var.alarm_oldest_message_age_seconds) == var.alarm_oldest_message_age_seconds
    error_message = "alarm_oldest_message_age_seconds must be a whole number of at least 60."
  }
}

variable "alarm_period_seconds" {
  description = "Period of the queue alarms, in seconds (SQS publishes its metrics every 60 s)."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be a multiple of 60."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
