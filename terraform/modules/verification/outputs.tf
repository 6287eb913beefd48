output "queue_url" {
  description = "URL of the verification queue (S3 notifications of the quarantine prefix)."
  value       = aws_sqs_queue.verification.url
}

output "queue_arn" {
  description = "ARN of the verification queue."
  value       = aws_sqs_queue.verification.arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue (messages the verifier failed on max_receive_count times)."
  value       = aws_sqs_queue.dead_letter.url
}

output "queue_policy" {
  description = "The verification queue's policy (JSON), exposed for tests and audits."
  value       = aws_sqs_queue_policy.verification.policy
}

output "function_name" {
  description = "Name of the verifier function."
  value       = aws_lambda_function.verifier.function_name
}

output "function_policy" {
  description = "The verifier role's inline policy (JSON), exposed for tests and audits."
  value       = aws_iam_role_policy.verifier.policy
}

output "environment" {
  description = "Environment variables of the verifier (the contract with lambda_src/verifier)."
  value       = local.environment
}

output "alarm_names" {
  description = "Names of the queue alarms (empty without alarm_topic_arn)."
  value       = concat(aws_cloudwatch_metric_alarm.dead_letters[*].alarm_name, aws_cloudwatch_metric_alarm.oldest_message[*].alarm_name)
}
