# Security properties of the verification pipeline, with mocked providers: who may send to the
# queue, what the verifier may read and write, and the rules Lambda puts on an SQS source.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

override_resource {
  target = aws_sqs_queue.verification
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:tf-test-verification"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/tf-test-verification"
    id  = "https://sqs.eu-west-1.amazonaws.com/123456789012/tf-test-verification"
  }
}

override_resource {
  target = aws_sqs_queue.dead_letter
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:tf-test-verification-dlq"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/tf-test-verification-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/123456789012/tf-test-verification-dlq"
  }
}

override_resource {
  target = aws_cloudwatch_log_group.verifier
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/tf-test-verifier" }
}

variables {
  name                  = "tf-test"
  package_path          = "../../tests/fixtures/verifier_package.txt"
  bucket_name           = "tf-test-uploads"
  bucket_arn            = "arn:aws:s3:::tf-test-uploads"
  quarantine_prefix     = "quarantine/"
  published_prefix      = "uploads/"
  rejected_prefix       = "rejected/"
  upload_table_name     = "tf-test-uploads"
  upload_table_arn      = "arn:aws:dynamodb:eu-west-1:123456789012:table/tf-test-uploads"
  allowed_content_types = ["image/png", "image/jpeg"]
}

run "queue_admits_only_this_bucket" {
  command = apply

  assert {
    condition = [
      for s in jsondecode(aws_sqs_queue_policy.verification.policy).Statement : [s.Principal, s.Action, s.Resource, s.Condition]
      if s.Effect == "Allow"
      ] == [[
        { Service = "s3.amazonaws.com" }, "sqs:SendMessage", aws_sqs_queue.verification.arn,
        { ArnEquals = { "aws:SourceArn" = "arn:aws:s3:::tf-test-uploads" }, StringEquals = { "aws:SourceAccount" = "123456789012" } },
    ]]
    error_message = "The queue must admit one sender: S3 sending on behalf of this bucket (aws:SourceArn) in this account (aws:SourceAccount), nothing else."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_sqs_queue_policy.verification.policy).Statement : s
      if s.Effect == "Deny" && s.Principal == "*" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"
    ]) == 1
    error_message = "The queue policy must deny every request made without TLS."
  }

  assert {
    condition     = aws_sqs_queue.verification.sqs_managed_sse_enabled && aws_sqs_queue.dead_letter.sqs_managed_sse_enabled
    error_message = "Both queues must be encrypted at rest (SSE-SQS)."
  }

  assert {
    condition = jsondecode(aws_sqs_queue.verification.redrive_policy) == {
      deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
      maxReceiveCount     = 5
    }
    error_message = "Messages the verifier keeps failing on must move to the dead-letter queue after max_receive_count (default 5) receives."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_allow_policy.dead_letter.redrive_allow_policy).sourceQueueArns == [aws_sqs_queue.verification.arn]
    error_message = "Only the verification queue may redrive into the dead-letter queue."
  }

  assert {
    condition = length(aws_s3_bucket_notification.quarantine.queue) == 1 && alltrue([
      for q in aws_s3_bucket_notification.quarantine.queue :
      q.queue_arn == aws_sqs_queue.verification.arn && toset(q.events) == toset(["s3:ObjectCreated:*"])
      && q.filter_prefix == "quarantine/" && q.filter_suffix == null
    ])
    error_message = "Every object created under the quarantine prefix (and nothing else) must be announced to the verification queue."
  }
}

run "verifier_reads_only_quarantine_and_writes_only_published_and_rejected" {
  command = apply

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.verifier.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : contains(["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject"], a)])
    ])) == toset(["arn:aws:s3:::tf-test-uploads/quarantine/*"])
    error_message = "The verifier may read and delete objects under the quarantine prefix only."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.verifier.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : contains(["s3:PutObject", "s3:AbortMultipartUpload"], a)])
    ])) == toset(["arn:aws:s3:::tf-test-uploads/uploads/*", "arn:aws:s3:::tf-test-uploads/rejected/*"])
    error_message = "The verifier may write under the published and rejected prefixes only (never back into quarantine, never elsewhere)."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.verifier.policy).Statement : s.Action if anytrue([for a in flatten([s.Action]) : startswith(a, "s3:")])
    ])) == toset(["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload"])
    error_message = "The verifier gets exactly the S3 actions it uses: no ListBucket, no ACL, tagging or bucket settings."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.verifier.policy).Statement : [s.Action, s.Resource]
      if anytrue([for a in flatten([s.Action]) : startswith(a, "dynamodb:")])
    ] == [[["dynamodb:GetItem", "dynamodb:UpdateItem"], "arn:aws:dynamodb:eu-west-1:123456789012:table/tf-test-uploads"]]
    error_message = "The verifier may read and update upload records, in the upload-record table only."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.verifier.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : startswith(a, "sqs:")])
    ] == [aws_sqs_queue.verification.arn]
    error_message = "The verifier's queue permissions must name the verification queue only."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.verifier.policy).Statement :
      !contains(flatten([s.Resource]), "*") && !anytrue([for a in flatten([s.Action]) : endswith(a, "*")])
    ])
    error_message = "No statement of the verifier's role may use a '*' resource or a wildcard action."
  }

  assert {
    condition     = jsondecode(aws_iam_role.verifier.assume_role_policy).Statement[0].Principal == { Service = "lambda.amazonaws.com" }
    error_message = "Only Lambda may assume the verifier's role."
  }

  assert {
    condition = (
      aws_lambda_function.verifier.handler == "verifier.handler.handler" && aws_lambda_function.verifier.runtime == "python3.13"
      && aws_lambda_function.verifier.role == aws_iam_role.verifier.arn
    )
    error_message = "Handler, runtime and role must match the package contract."
  }

  assert {
    condition = one(aws_lambda_function.verifier.environment).variables == tomap({
      BUCKET_NAME                  = "tf-test-uploads"
      UPLOAD_TABLE                 = "tf-test-uploads"
      QUARANTINE_PREFIX            = "quarantine/"
      PUBLISHED_PREFIX             = "uploads/"
      REJECTED_PREFIX              = "rejected/"
      ALLOWED_CONTENT_TYPES        = "image/png,image/jpeg"
      MAX_IMAGE_PIXELS             = "40000000"
      POWERTOOLS_SERVICE_NAME      = "tf-test-verifier"
      POWERTOOLS_LOG_LEVEL         = "INFO"
      POWERTOOLS_METRICS_NAMESPACE = "UploadApi"
    })
    error_message = "The verifier's environment must follow the contract (lambda_src/verifier/config.py)."
  }
}

run "rejects_deleted_means_no_write_to_a_rejected_prefix" {
  command = apply

  variables {
    rejected_prefix = ""
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.verifier.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : a == "s3:PutObject"])
    ])) == toset(["arn:aws:s3:::tf-test-uploads/uploads/*"])
    error_message = "Without a rejected prefix the verifier may write under the published prefix only."
  }

  assert {
    condition     = one(aws_lambda_function.verifier.environment).variables.REJECTED_PREFIX == ""
    error_message = "REJECTED_PREFIX must be empty when rejected objects are deleted."
  }
}

run "event_source_mapping_reports_partial_failures" {
  command = apply

  variables {
    batch_size                      = 25
    maximum_batching_window_seconds = 2
    maximum_concurrency             = 5
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.verification.event_source_arn == aws_sqs_queue.verification.arn
      && aws_lambda_event_source_mapping.verification.function_name == aws_lambda_function.verifier.arn
      && toset(aws_lambda_event_source_mapping.verification.function_response_types) == toset(["ReportBatchItemFailures"])
      && aws_lambda_event_source_mapping.verification.batch_size == 25
      && aws_lambda_event_source_mapping.verification.maximum_batching_window_in_seconds == 2
      && one(aws_lambda_event_source_mapping.verification.scaling_config).maximum_concurrency == 5
    )
    error_message = "The mapping must feed the verifier from the queue with the planned batch settings and ReportBatchItemFailures."
  }
}

run "visibility_timeout_defaults_to_six_function_timeouts" {
  command = apply

  variables {
    timeout_seconds = 45
  }

  assert {
    condition     = aws_sqs_queue.verification.visibility_timeout_seconds == 270 && aws_lambda_function.verifier.timeout == 45
    error_message = "Unset, the queue's visibility timeout must be 6 x the function's timeout."
  }
}

run "visibility_timeout_of_six_function_timeouts_is_accepted" {
  command = plan

  variables {
    timeout_seconds            = 45
    visibility_timeout_seconds = 270
  }
}

run "visibility_timeout_below_six_function_timeouts_is_refused" {
  command = plan

  variables {
    timeout_seconds            = 45
    visibility_timeout_seconds = 269
  }

  expect_failures = [var.visibility_timeout_seconds]
}

run "batch_above_ten_without_window_is_refused" {
  command = plan

  variables {
    batch_size = 11
  }

  expect_failures = [var.batch_size]
}

run "no_alarms_without_a_topic" {
  command = apply

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dead_letters) == 0 && length(aws_cloudwatch_metric_alarm.oldest_message) == 0
    error_message = "Without alarm_topic_arn no alarm is created (as modules/monitoring)."
  }
}

run "alarms_on_dead_letters_and_backlog_age" {
  command = apply

  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dead_letters[0].metric_name == "ApproximateNumberOfMessagesVisible"
      && aws_cloudwatch_metric_alarm.dead_letters[0].dimensions == tomap({ QueueName = aws_sqs_queue.dead_letter.name })
      && aws_cloudwatch_metric_alarm.dead_letters[0].threshold == 1
      && toset(aws_cloudwatch_metric_alarm.dead_letters[0].alarm_actions) == toset(["arn:aws:sns:eu-west-1:123456789012:ops"])
    )
    error_message = "One message in the dead-letter queue must raise an alarm to the topic."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.oldest_message[0].metric_name == "ApproximateAgeOfOldestMessage"
      && aws_cloudwatch_metric_alarm.oldest_message[0].dimensions == tomap({ QueueName = aws_sqs_queue.verification.name })
      && aws_cloudwatch_metric_alarm.oldest_message[0].threshold == 900
      && toset(aws_cloudwatch_metric_alarm.oldest_message[0].ok_actions) == toset(["arn:aws:sns:eu-west-1:123456789012:ops"])
    )
    error_message = "A backlog older than 15 minutes must raise an alarm to the topic."
  }
}
