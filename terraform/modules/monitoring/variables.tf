variable "name" {
  description = "Prefix of the alarm names and name of the dashboard (the stack's name)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, '_' and '-' (a dashboard name), starting with a letter or digit."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic (standard, not FIFO) that receives every alarm's ALARM and OK notifications. Null (default): no alarms are created, because an alarm nobody is told about is a bill, not a signal; the dashboard still shows every figure."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<name>); CloudWatch alarms cannot notify FIFO topics."
  }
}

variable "api" {
  description = "The upload API's REST API name (the ApiName dimension) and stage name."
  type = object({
    name  = string
    stage = string
  })
  nullable = false

  validation {
    condition     = length(var.api.name) > 0 && length(var.api.stage) > 0
    error_message = "api.name and api.stage must not be empty (pass the upload_api module's rest_api_name and stage_name)."
  }
}

variable "function_name" {
  description = "Name of the upload API function (AWS/Lambda FunctionName dimension)."
  type        = string

  validation {
    condition     = length(var.function_name) > 0
    error_message = "function_name must not be empty."
  }
}

variable "distribution_id" {
  description = "CloudFront distribution serving the downloads (AWS/CloudFront DistributionId dimension)."
  type        = string

  validation {
    condition     = length(var.distribution_id) > 0
    error_message = "distribution_id must not be empty."
  }
}

variable "rate_limit_table_name" {
  description = "DynamoDB table of the rate-limit counters (AWS/DynamoDB TableName dimension)."
  type        = string

  validation {
    condition     = length(var.rate_limit_table_name) > 0
    error_message = "rate_limit_table_name must not be empty."
  }
}

variable "business_metrics" {
  description = "Namespace and `service` dimension of the upload API's own metrics (PresignsIssued, Refusals, RateLimited): the upload_api module's `metrics` output."
  type = object({
    namespace = string
    service   = string
  })
  nullable = false

  # The namespace's rule lives with the function's setting (upload_api's metrics_namespace).
  validation {
    condition     = length(var.business_metrics.namespace) > 0 && length(var.business_metrics.service) > 0
    error_message = "business_metrics needs a namespace and a service (pass the upload_api module's metrics output)."
  }
}

variable "cdn_additional_metrics" {
  description = "Turn on CloudFront's additional metrics for the distribution (aws_cloudfront_monitoring_subscription, in us-east-1; billed per distribution as CloudWatch custom metrics): origin latency, cache hit rate, 5xx by status code (502/503/504), shown on the dashboard."
  type        = bool
  default     = true
  nullable    = false
}

variable "dashboard" {
  description = "Create the CloudWatch dashboard (in the API's region; CloudFront widgets read us-east-1)."
  type        = bool
  default     = true
  nullable    = false
}

variable "thresholds" {
  description = <<-EOT
    When the alarms fire, each evaluated over period_seconds (default 300) for evaluation_periods (default 1):
    api_5xx_percent (API Gateway 5XXError / Count, in %, default 1) once at least api_min_requests (default 20)
    requests arrived in the period; api_latency_p90_ms / api_latency_p99_ms (default 1000 / 3000); function_errors
    and function_throttles (Sum, default 1 each); cdn_5xx_percent (CloudFront 5xxErrorRate, default 1);
    edge_execution_errors (Lambda@Edge LambdaExecutionError Sum, default 1); table_throttles (DynamoDB
    WriteThrottleEvents Sum, default 1).
  EOT
  type = object({
    period_seconds        = optional(number, 300)
    evaluation_periods    = optional(number, 1)
    api_min_requests      = optional(number, 20)
    api_5xx_percent       = optional(number, 1)
    api_latency_p90_ms    = optional(number, 1000)
    api_latency_p99_ms    = optional(number, 3000)
    function_errors       = optional(number, 1)
    function_throttles    = optional(number, 1)
    cdn_5xx_percent       = optional(number, 1)
    edge_execution_errors = optional(number, 1)
    table_throttles       = optional(number, 1)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([60, 300, 900, 3600], var.thresholds.period_seconds) && var.thresholds.evaluation_periods >= 1 && var.thresholds.evaluation_periods <= 24 && floor(var.thresholds.evaluation_periods) == var.thresholds.evaluation_periods
    error_message = "thresholds.period_seconds must be 60, 300, 900 or 3600, and evaluation_periods a whole number from 1 to 24."
  }

  validation {
    condition = alltrue([
      for t in [var.thresholds.api_5xx_percent, var.thresholds.cdn_5xx_percent] : t > 0 && t <= 100
    ])
    error_message = "thresholds.api_5xx_percent and cdn_5xx_percent are percentages: above 0, at most 100."
  }

  validation {
    condition = alltrue([
      for t in [
        var.thresholds.api_min_requests, var.thresholds.api_latency_p90_ms, var.thresholds.api_latency_p99_ms,
        var.thresholds.function_errors, var.thresholds.function_throttles, var.thresholds.edge_execution_errors,
        var.thresholds.table_throttles,
      ] : t >= 1
    ])
    error_message = "thresholds.api_min_requests, the latencies (ms) and the error and throttle counts must be at least 1."
  }

  validation {
    condition     = var.thresholds.api_latency_p90_ms <= var.thresholds.api_latency_p99_ms
    error_message = "thresholds.api_latency_p90_ms must not exceed api_latency_p99_ms."
  }
}

variable "tags" {
  description = "Tags added to every alarm (dashboards and the monitoring subscription take none)."
  type        = map(string)
  default     = {}
}
