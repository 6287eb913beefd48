output "alarm_arns" {
  description = "ARNs of the alarms (empty without alarm_topic_arn)."
  value       = local.alarm_arns
}

output "alarm_names" {
  description = "Names of the alarms (empty without alarm_topic_arn), for `aws cloudwatch describe-alarms --alarm-names`."
  value = concat(
    aws_cloudwatch_metric_alarm.api_5xx_rate[*].alarm_name,
    [for a in aws_cloudwatch_metric_alarm.api_latency : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.function : a.alarm_name],
    aws_cloudwatch_metric_alarm.table_throttles[*].alarm_name,
    aws_cloudwatch_metric_alarm.cdn_5xx_rate[*].alarm_name,
    aws_cloudwatch_metric_alarm.edge_execution_errors[*].alarm_name,
  )
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard (null when dashboard = false)."
  value       = one(aws_cloudwatch_dashboard.uploads[*].dashboard_name)
}

output "dashboard_body" {
  description = "The dashboard's definition (what `aws cloudwatch get-dashboard` returns), as an object."
  value       = local.dashboard_body
}

output "cdn_additional_metrics" {
  description = "Whether CloudFront's additional metrics are on for the distribution."
  value       = length(aws_cloudfront_monitoring_subscription.cdn) == 1
}
