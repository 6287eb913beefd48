# Alarms and a dashboard for the upload path: API Gateway, the upload API function, its
# rate-limit table, CloudFront and the Lambda@Edge authorizer, plus the function's own business
# metrics. CloudFront's metrics live in us-east-1 (Region = Global), whatever the stack's region.

locals {
  alarms     = var.alarm_topic_arn != null
  t          = var.thresholds
  actions    = local.alarms ? [var.alarm_topic_arn] : []
  api_dims   = { ApiName = var.api.name, Stage = var.api.stage }
  cdn_dims   = { DistributionId = var.distribution_id, Region = "Global" }
  latency    = { p90 = local.t.api_latency_p90_ms, p99 = local.t.api_latency_p99_ms }
  function   = { Errors = local.t.function_errors, Throttles = local.t.function_throttles }
  period     = local.t.period_seconds
  namespace  = var.business_metrics.namespace
  service    = var.business_metrics.service
  region_cdn = "us-east-1"
}

data "aws_region" "current" {}

# --- API Gateway -----------------------------------------------------------------

# The 5xx rate in percent, only once enough requests arrived: one failed request out of two is
# noise, not an outage.
resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  count = local.alarms ? 1 : 0

  alarm_name          = "${var.name}-api-5xx-rate"
  alarm_description   = "Upload API: more than ${local.t.api_5xx_percent}% of requests answered 5xx (API Gateway 5XXError / Count, with at least ${local.t.api_min_requests} requests per ${local.period} s). Look at the function's Errors and its log (reason of each 500/503)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.api_5xx_percent
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(requests >= ${local.t.api_min_requests}, 100 * errors / requests, 0)"
    label       = "5xx rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5XXError"
      dimensions  = local.api_dims
      stat        = "Sum"
      period      = local.period
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = local.api_dims
      stat        = "Sum"
      period      = local.period
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "api_latency" {
  for_each = local.alarms ? local.latency : {}

  alarm_name          = "${var.name}-api-latency-${each.key}"
  alarm_description   = "Upload API: ${each.key} latency above ${each.value} ms (API Gateway Latency). A slow JWKS, DynamoDB or KMS call shows here first."
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = local.api_dims
  extended_statistic  = each.key
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# --- The upload API function and its table --------------------------------------------

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = local.alarms ? local.function : {}

  alarm_name          = "${var.name}-upload-api-${lower(each.key)}"
  alarm_description   = "Upload API function: ${each.key} reached ${each.value} in ${local.period} s (AWS/Lambda ${each.key}). Errors are crashes and timeouts (the function answers its own failures as JSON); Throttles mean the account's concurrency is spent."
  namespace           = "AWS/Lambda"
  metric_name         = each.key
  dimensions          = { FunctionName = var.function_name }
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# The limiter fails closed: a throttled UpdateItem is a 503 for that user.
resource "aws_cloudwatch_metric_alarm" "table_throttles" {
  count = local.alarms ? 1 : 0

  alarm_name          = "${var.name}-rate-limit-table-throttles"
  alarm_description   = "Rate-limit table: ${local.t.table_throttles} or more throttled writes in ${local.period} s (AWS/DynamoDB WriteThrottleEvents). The limiter fails closed, so each is a 503 service_unavailable."
  namespace           = "AWS/DynamoDB"
  metric_name         = "WriteThrottleEvents"
  dimensions          = { TableName = var.rate_limit_table_name }
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = local.t.table_throttles
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# --- CloudFront and Lambda@Edge (us-east-1) -------------------------------------------

resource "aws_cloudfront_monitoring_subscription" "cdn" {
  count    = var.cdn_additional_metrics ? 1 : 0
  provider = aws.us_east_1

  distribution_id = var.distribution_id

  monitoring_subscription {
    realtime_metrics_subscription_config {
      realtime_metrics_subscription_status = "Enabled"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "cdn_5xx_rate" {
  count    = local.alarms ? 1 : 0
  provider = aws.us_east_1

  alarm_name          = "${var.name}-cdn-5xx-rate"
  alarm_description   = "CDN: more than ${local.t.cdn_5xx_percent}% of viewer requests answered 5xx (AWS/CloudFront 5xxErrorRate). A failing edge function answers 503; S3 errors pass through as 5xx."
  namespace           = "AWS/CloudFront"
  metric_name         = "5xxErrorRate"
  dimensions          = local.cdn_dims
  statistic           = "Average"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.cdn_5xx_percent
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "edge_execution_errors" {
  count    = local.alarms ? 1 : 0
  provider = aws.us_east_1

  alarm_name          = "${var.name}-edge-auth-execution-errors"
  alarm_description   = "Edge authorizer: ${local.t.edge_execution_errors} or more Lambda@Edge execution errors in ${local.period} s (AWS/CloudFront LambdaExecutionError). The function never raises by design (a bug denies with 403), so an execution error is a crash, a timeout or a broken package; its logs are in the region nearest the viewer (/aws/lambda/us-east-1.<function>)."
  namespace           = "AWS/CloudFront"
  metric_name         = "LambdaExecutionError"
  dimensions          = local.cdn_dims
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = local.t.edge_execution_errors
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# --- Dashboard --------------------------------------------------------------------------

locals {
  alarm_arns = concat(
    aws_cloudwatch_metric_alarm.api_5xx_rate[*].arn,
    [for a in aws_cloudwatch_metric_alarm.api_latency : a.arn],
    [for a in aws_cloudwatch_metric_alarm.function : a.arn],
    aws_cloudwatch_metric_alarm.table_throttles[*].arn,
    aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].arn,
    aws_cloudwatch_metric_alarm.edge_execution_errors[*].arn,
  )

  api_metric = ["AWS/ApiGateway", "__name__", "ApiName", var.api.name, "Stage", var.api.stage]
  cdn_metric = ["AWS/CloudFront", "__name__", "Region", "Global", "DistributionId", var.distribution_id]

  # Each widget: a title, its metrics (CloudWatch's array form), the region they are read in.
  graphs = [
    {
      title   = "API requests and errors (Sum)", region = data.aws_region.current.region, stat = "Sum"
      metrics = [for m in ["Count", "4XXError", "5XXError"] : [for v in local.api_metric : v == "__name__" ? m : v]]
    },
    {
      title   = "API latency (ms)", region = data.aws_region.current.region, stat = "p50"
      metrics = [for s in ["p50", "p90", "p99"] : concat([for v in local.api_metric : v == "__name__" ? "Latency" : v], [{ stat = s, label = s }])]
    },
    {
      title   = "Upload API function (Sum)", region = data.aws_region.current.region, stat = "Sum"
      metrics = [for m in ["Invocations", "Errors", "Throttles"] : ["AWS/Lambda", m, "FunctionName", var.function_name]]
    },
    {
      title   = "Rate-limit table (Sum)", region = data.aws_region.current.region, stat = "Sum"
      metrics = [for m in ["WriteThrottleEvents", "ConsumedWriteCapacityUnits"] : ["AWS/DynamoDB", m, "TableName", var.rate_limit_table_name]]
    },
    {
      title   = "CDN requests (Sum)", region = local.region_cdn, stat = "Sum"
      metrics = [[for v in local.cdn_metric : v == "__name__" ? "Requests" : v]]
    },
    {
      title = "CDN error rates (%)", region = local.region_cdn, stat = "Average"
      metrics = [
        for m in concat(["4xxErrorRate", "5xxErrorRate"], var.cdn_additional_metrics ? ["401ErrorRate", "403ErrorRate", "502ErrorRate", "503ErrorRate", "504ErrorRate"] : []) :
        [for v in local.cdn_metric : v == "__name__" ? m : v]
      ]
    },
    {
      title   = "Edge authorizer errors (Sum)", region = local.region_cdn, stat = "Sum"
      metrics = [for m in ["LambdaExecutionError", "LambdaValidationError", "LambdaLimitExceededError"] : [for v in local.cdn_metric : v == "__name__" ? m : v]]
    },
    {
      title   = "Presigns issued (Sum)", region = data.aws_region.current.region, stat = "Sum"
      metrics = [for k in ["upload_post", "upload_put", "download_token"] : [local.namespace, "PresignsIssued", "kind", k, "service", local.service]]
    },
    {
      title = "Refusals by code and rate-limited calls by route (Sum)", region = data.aws_region.current.region, stat = "Sum"
      metrics = [
        [{ expression = "SEARCH('{\"${local.namespace}\",code,service} MetricName=\"Refusals\" service=\"${local.service}\"', 'Sum', ${local.period})", id = "refusals" }],
        [{ expression = "SEARCH('{\"${local.namespace}\",route,service} MetricName=\"RateLimited\" service=\"${local.service}\"', 'Sum', ${local.period})", id = "limited", label = "rate limited" }],
      ]
    },
  ]

  dashboard_body = {
    widgets = concat(
      local.alarms ? [{
        type       = "alarm", x = 0, y = 0, width = 24, height = 3
        properties = { title = "Alarms", alarms = local.alarm_arns }
      }] : [],
      [for i, g in local.graphs : {
        type   = "metric"
        x      = (i % 3) * 8
        y      = 3 + floor(i / 3) * 6
        width  = 8
        height = 6
        properties = {
          title   = g.title
          region  = g.region
          stat    = g.stat
          period  = local.period
          view    = "timeSeries"
          metrics = g.metrics
        }
      }],
    )
  }
}

resource "aws_cloudwatch_dashboard" "uploads" {
  count = var.dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode(local.dashboard_body)
}
