# Alarms (with a topic), their metrics and thresholds; no topic, no alarm; the dashboard.

# Each provider configuration mints ARNs in its own region, so a test can tell which one
# created an alarm.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { region = "eu-west-1" }
  }
  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mock" }
  }
}

mock_provider "aws" {
  alias = "us_east_1"

  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = { arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:mock" }
  }
}

variables {
  name                  = "tf-test"
  api                   = { name = "tf-test", stage = "v1" }
  function_name         = "tf-test-upload-api"
  distribution_id       = "E2EXAMPLE"
  rate_limit_table_name = "tf-test-rate-limit"
  business_metrics      = { namespace = "UploadApi", service = "tf-test" }
}

run "with_a_topic_every_alarm_exists_on_its_metric" {
  command = plan

  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
  }

  assert {
    condition = (
      one(aws_cloudwatch_metric_alarm.api_5xx_rate[*].threshold) == 1 &&
      [for q in one(aws_cloudwatch_metric_alarm.api_5xx_rate[*].metric_query) : q.expression if q.return_data == true] == ["IF(requests >= 20, 100 * errors / requests, 0)"] &&
      toset([for q in one(aws_cloudwatch_metric_alarm.api_5xx_rate[*].metric_query) : "${q.id}:${one(q.metric).metric_name}:${one(q.metric).namespace}:${one(q.metric).stat}" if length(q.metric) > 0]) == toset(["errors:5XXError:AWS/ApiGateway:Sum", "requests:Count:AWS/ApiGateway:Sum"]) &&
      alltrue([for q in one(aws_cloudwatch_metric_alarm.api_5xx_rate[*].metric_query) : one(q.metric).dimensions == tomap({ ApiName = "tf-test", Stage = "v1" }) if length(q.metric) > 0])
    )
    error_message = "The API 5xx alarm must compute 100 * 5XXError / Count of this stage, above 1 % once 20 requests arrived."
  }

  assert {
    condition = {
      for k, a in aws_cloudwatch_metric_alarm.api_latency : k => [a.namespace, a.metric_name, a.extended_statistic, tostring(a.threshold), a.dimensions.ApiName, a.dimensions.Stage]
      } == {
      p90 = ["AWS/ApiGateway", "Latency", "p90", "1000", "tf-test", "v1"]
      p99 = ["AWS/ApiGateway", "Latency", "p99", "3000", "tf-test", "v1"]
    }
    error_message = "API latency must alarm at p90 > 1000 ms and p99 > 3000 ms."
  }

  assert {
    condition = {
      for k, a in aws_cloudwatch_metric_alarm.function : k => [a.namespace, a.metric_name, a.statistic, a.comparison_operator, tostring(a.threshold), a.dimensions.FunctionName]
      } == {
      Errors    = ["AWS/Lambda", "Errors", "Sum", "GreaterThanOrEqualToThreshold", "1", "tf-test-upload-api"]
      Throttles = ["AWS/Lambda", "Throttles", "Sum", "GreaterThanOrEqualToThreshold", "1", "tf-test-upload-api"]
    }
    error_message = "The function must alarm on any Errors and any Throttles."
  }

  assert {
    condition = (
      one(aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].namespace) == "AWS/CloudFront" &&
      one(aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].metric_name) == "5xxErrorRate" &&
      one(aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].statistic) == "Average" &&
      one(aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].threshold) == 1 &&
      one(aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].dimensions) == tomap({ DistributionId = "E2EXAMPLE", Region = "Global" })
    )
    error_message = "The CDN must alarm on its 5xxErrorRate (Region = Global)."
  }

  assert {
    condition = (
      one(aws_cloudwatch_metric_alarm.edge_execution_errors[*].namespace) == "AWS/CloudFront" &&
      one(aws_cloudwatch_metric_alarm.edge_execution_errors[*].metric_name) == "LambdaExecutionError" &&
      one(aws_cloudwatch_metric_alarm.edge_execution_errors[*].statistic) == "Sum" &&
      one(aws_cloudwatch_metric_alarm.edge_execution_errors[*].threshold) == 1 &&
      one(aws_cloudwatch_metric_alarm.edge_execution_errors[*].dimensions) == tomap({ DistributionId = "E2EXAMPLE", Region = "Global" })
    )
    error_message = "The edge authorizer must alarm on any Lambda@Edge execution error of the distribution."
  }

  assert {
    condition = (
      one(aws_cloudwatch_metric_alarm.table_throttles[*].namespace) == "AWS/DynamoDB" &&
      one(aws_cloudwatch_metric_alarm.table_throttles[*].metric_name) == "WriteThrottleEvents" &&
      one(aws_cloudwatch_metric_alarm.table_throttles[*].dimensions) == tomap({ TableName = "tf-test-rate-limit" }) &&
      one(aws_cloudwatch_metric_alarm.table_throttles[*].threshold) == 1
    )
    error_message = "The rate-limit table must alarm on any throttled write."
  }

  assert {
    condition     = length(output.alarm_names) == 8 && alltrue([for a in concat(aws_cloudwatch_metric_alarm.api_5xx_rate, values(aws_cloudwatch_metric_alarm.api_latency), values(aws_cloudwatch_metric_alarm.function), aws_cloudwatch_metric_alarm.table_throttles, aws_cloudwatch_metric_alarm.cdn_5xx_rate, aws_cloudwatch_metric_alarm.edge_execution_errors) : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:ops-alerts"]) && a.ok_actions == toset(["arn:aws:sns:eu-west-1:123456789012:ops-alerts"]) && a.treat_missing_data == "notBreaching"])
    error_message = "All eight alarms must notify the topic on ALARM and OK, and treat no traffic as OK."
  }
}

run "cloudfront_alarms_are_in_us_east_1_the_others_in_the_stacks_region" {
  command = apply

  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
  }

  assert {
    condition     = output.cdn_additional_metrics && one(aws_cloudfront_monitoring_subscription.cdn[*].distribution_id) == "E2EXAMPLE" && aws_cloudfront_monitoring_subscription.cdn[0].monitoring_subscription[0].realtime_metrics_subscription_config[0].realtime_metrics_subscription_status == "Enabled"
    error_message = "CloudFront's additional metrics must be enabled for the distribution by default."
  }

  assert {
    condition = (
      startswith(one(aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].arn), "arn:aws:cloudwatch:us-east-1:") &&
      startswith(one(aws_cloudwatch_metric_alarm.edge_execution_errors[*].arn), "arn:aws:cloudwatch:us-east-1:") &&
      startswith(one(aws_cloudwatch_metric_alarm.api_5xx_rate[*].arn), "arn:aws:cloudwatch:eu-west-1:") &&
      startswith(one(aws_cloudwatch_metric_alarm.table_throttles[*].arn), "arn:aws:cloudwatch:eu-west-1:")
    )
    error_message = "CloudFront metrics live in us-east-1: its alarms must be created there (aws.us_east_1), the others in the stack's region."
  }
}

run "without_a_topic_there_is_no_alarm_but_the_dashboard" {
  command = plan

  assert {
    condition     = length(output.alarm_names) == 0 && length(aws_cloudwatch_metric_alarm.api_latency) == 0 && length(aws_cloudwatch_metric_alarm.function) == 0
    error_message = "Without alarm_topic_arn no alarm may be created (documented: an alarm nobody receives is not created)."
  }

  assert {
    condition     = output.dashboard_name == "tf-test" && length([for w in output.dashboard_body.widgets : w if w.type == "alarm"]) == 0
    error_message = "Without a topic the dashboard must still exist, without an alarm widget."
  }
}

run "the_dashboard_shows_the_same_figures" {
  command = plan

  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
  }

  assert {
    condition = alltrue([
      for name in ["5XXError", "Latency", "Errors", "Throttles", "5xxErrorRate", "LambdaExecutionError", "WriteThrottleEvents", "PresignsIssued"] :
      anytrue([for w in output.dashboard_body.widgets : w.type == "metric" && anytrue([for m in w.properties.metrics : contains(m, name)])])
    ])
    error_message = "Every alarmed metric and the presign count must be on the dashboard."
  }

  assert {
    condition = alltrue([
      for w in output.dashboard_body.widgets : w.properties.region == "us-east-1"
      if w.type == "metric" && anytrue([for m in w.properties.metrics : contains(m, "AWS/CloudFront")])
    ])
    error_message = "CloudFront widgets must read us-east-1."
  }

  assert {
    condition     = length([for w in output.dashboard_body.widgets : w if w.type == "alarm" && length(w.properties.alarms) == 8]) == 1
    error_message = "With alarms, the dashboard must show their state."
  }

  assert {
    condition     = anytrue([for w in output.dashboard_body.widgets : anytrue([for m in w.properties.metrics : strcontains(jsonencode(m), "MetricName=\\\"Refusals\\\"")]) if w.type == "metric"])
    error_message = "The dashboard must chart the refusals by code (a SEARCH over the code dimension)."
  }
}

run "thresholds_are_inputs" {
  command = plan

  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
    thresholds      = { api_5xx_percent = 5, api_latency_p99_ms = 5000, period_seconds = 60, evaluation_periods = 3 }
  }

  assert {
    condition     = one(aws_cloudwatch_metric_alarm.api_5xx_rate[*].threshold) == 5 && aws_cloudwatch_metric_alarm.api_latency["p99"].threshold == 5000 && aws_cloudwatch_metric_alarm.api_latency["p90"].threshold == 1000 && aws_cloudwatch_metric_alarm.api_latency["p99"].period == 60 && aws_cloudwatch_metric_alarm.api_latency["p99"].evaluation_periods == 3
    error_message = "Thresholds set must replace the defaults, the others keep theirs."
  }
}

run "no_additional_metrics_no_subscription" {
  command = plan

  variables {
    cdn_additional_metrics = false
    dashboard              = false
  }

  assert {
    condition     = !output.cdn_additional_metrics && output.dashboard_name == null
    error_message = "cdn_additional_metrics = false and dashboard = false must create neither."
  }
}

run "fifo_topic_is_rejected" {
  command = plan

  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts.fifo"
  }

  expect_failures = [var.alarm_topic_arn]
}

run "p90_above_p99_is_rejected" {
  command = plan

  variables {
    thresholds = { api_latency_p90_ms = 4000 }
  }

  expect_failures = [var.thresholds]
}

run "a_rate_above_100_percent_is_rejected" {
  command = plan

  variables {
    thresholds = { cdn_5xx_percent = 150 }
  }

  expect_failures = [var.thresholds]
}

run "an_unknown_period_is_rejected" {
  command = plan

  variables {
    thresholds = { period_seconds = 120 }
  }

  expect_failures = [var.thresholds]
}

run "an_empty_stage_is_rejected" {
  command = plan

  variables {
    api = { name = "tf-test", stage = "" }
  }

  expect_failures = [var.api]
}
