# Uploads land under the quarantine prefix; S3 tells this queue, the verifier checks each object
# and publishes it (server-side copy to the published prefix) or rejects it.
#
#   S3 ObjectCreated:* on <quarantine_prefix> -> SQS queue (SSE-SQS, redrive to a DLQ)
#     -> event source mapping (ReportBatchItemFailures) -> verifier function

data "aws_caller_identity" "current" {}

locals {
  account_id         = data.aws_caller_identity.current.account_id
  visibility_timeout = coalesce(var.visibility_timeout_seconds, 6 * var.timeout_seconds)
  quarantine_arn     = "${var.bucket_arn}/${var.quarantine_prefix}*"
  # Where the verifier may write: the published prefix, and the rejected one when kept.
  write_arns = concat(
    ["${var.bucket_arn}/${var.published_prefix}*"],
    var.rejected_prefix == "" ? [] : ["${var.bucket_arn}/${var.rejected_prefix}*"],
  )

  # The contract with lambda_src/verifier (its config.py reads exactly these).
  environment = {
    BUCKET_NAME                  = var.bucket_name
    UPLOAD_TABLE                 = var.upload_table_name
    QUARANTINE_PREFIX            = var.quarantine_prefix
    PUBLISHED_PREFIX             = var.published_prefix
    REJECTED_PREFIX              = var.rejected_prefix
    ALLOWED_CONTENT_TYPES        = join(",", var.allowed_content_types)
    MAX_IMAGE_PIXELS             = tostring(var.max_image_pixels)
    POWERTOOLS_SERVICE_NAME      = "${var.name}-verifier"
    POWERTOOLS_LOG_LEVEL         = var.log_level
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
  }

  alarms  = var.alarm_topic_arn != null
  actions = local.alarms ? [var.alarm_topic_arn] : []
}

# --- Queues -------------------------------------------------------------------

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-verification-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "verification" {
  name                       = "${var.name}-verification"
  visibility_timeout_seconds = local.visibility_timeout
  message_retention_seconds  = var.message_retention_seconds
  # Long polling: the event source mapping's receives wait for messages instead of spinning.
  receive_wait_time_seconds = 20
  sqs_managed_sse_enabled   = true
  tags                      = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only the verification queue may move its messages to this DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.verification.arn]
  })
}

# S3 may send to the queue only on behalf of this bucket in this account (confused-deputy
# guard: aws:SourceArn alone would admit a bucket of that name re-created in another account).
resource "aws_sqs_queue_policy" "verification" {
  queue_url = aws_sqs_queue.verification.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "BucketNotificationsOnly"
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.verification.arn
        Condition = {
          ArnEquals    = { "aws:SourceArn" = var.bucket_arn }
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.verification.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

# Every object created under the quarantine prefix (PUT, POST, CompleteMultipartUpload, copy).
# A bucket has one notification configuration: nothing else may manage it.
resource "aws_s3_bucket_notification" "quarantine" {
  bucket = var.bucket_name

  queue {
    id            = "verify-quarantined-uploads"
    queue_arn     = aws_sqs_queue.verification.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = var.quarantine_prefix
  }

  # S3 checks that it may send (and sends an s3:TestEvent) when the configuration is set.
  depends_on = [aws_sqs_queue_policy.verification]
}

# --- Function -----------------------------------------------------------------

resource "aws_iam_role" "verifier" {
  name = "${var.name}-verifier"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

# Least privilege: read and delete under the quarantine prefix only (GetObject also covers
# HeadObject and the source side of CopyObject/UploadPartCopy); write under the published and
# rejected prefixes only (PutObject covers CopyObject's destination and every multipart step
# of UploadPartCopy, AbortMultipartUpload cleans up a failed one); read and update upload
# records; what the event source mapping needs on the queue; its own logs. No s3:ListBucket,
# no read of the published prefix, no delete outside quarantine.
resource "aws_iam_role_policy" "verifier" {
  name = "least-privilege"
  role = aws_iam_role.verifier.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadAndRemoveQuarantined"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:DeleteObject"]
        Resource = local.quarantine_arn
      },
      {
        Sid      = "WritePublishedAndRejected"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]
        Resource = local.write_arns
      },
      {
        Sid      = "UploadRecords"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
        Resource = var.upload_table_arn
      },
      {
        Sid      = "ConsumeVerificationQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = aws_sqs_queue.verification.arn
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.verifier.arn}:*"
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "verifier" {
  #checkov:skip=CKV_AWS_158:Logs hold no secrets (keys, ids and verdicts only); CloudWatch's default encryption at rest suffices.
  name              = "/aws/lambda/${var.name}-verifier"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "verifier" {
  #checkov:skip=CKV_AWS_115:maximum_concurrency of the event source mapping bounds it; reserving concurrency fails in new accounts (quota 10).
  #checkov:skip=CKV_AWS_116:Invoked by an SQS event source mapping: failed messages go to the queue's own dead-letter queue (redrive policy); a function DLQ only serves asynchronous invocations.
  #checkov:skip=CKV_AWS_117:Calls only S3 and DynamoDB; a VPC would add NAT or endpoint cost and no isolation.
  #checkov:skip=CKV_AWS_173:The environment holds configuration only, no secrets; Lambda encrypts it at rest with an AWS key.
  #checkov:skip=CKV_AWS_50:No code emits a trace; X-Ray removed on purpose (terraform/README.md "X-Ray").
  #checkov:skip=CKV_AWS_272:Packages come from this repository's reproducible build; code signing needs a signer profile per account.
  function_name    = "${var.name}-verifier"
  description      = "Verifies quarantined uploads (size, SHA-256, sniffed type, pixels) and publishes or rejects them."
  role             = aws_iam_role.verifier.arn
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  handler          = "verifier.handler.handler"
  runtime          = "python3.13"
  memory_size      = var.memory_size
  timeout          = var.timeout_seconds
  tags             = var.tags

  environment {
    variables = local.environment
  }

  depends_on = [aws_cloudwatch_log_group.verifier, aws_iam_role_policy.verifier]
}

resource "aws_lambda_event_source_mapping" "verification" {
  event_source_arn                   = aws_sqs_queue.verification.arn
  function_name                      = aws_lambda_function.verifier.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_seconds
  # The verifier answers {"batchItemFailures": [...]}: only those messages come back.
  function_response_types = ["ReportBatchItemFailures"]
  tags                    = var.tags

  dynamic "scaling_config" {
    for_each = var.maximum_concurrency == null ? [] : [var.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }
}

# --- Alarms (only with alarm_topic_arn, as modules/monitoring) -----------------

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  count = local.alarms ? 1 : 0

  alarm_name          = "${var.name}-verification-dead-letters"
  alarm_description   = "Verification: ${var.alarm_dead_letter_messages} or more messages in the dead-letter queue ${aws_sqs_queue.dead_letter.name}. Each is an upload the verifier failed on ${var.max_receive_count} times, still pending: read the verifier's log, fix, then redrive the DLQ to the queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = var.alarm_period_seconds
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.alarm_dead_letter_messages
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message" {
  count = local.alarms ? 1 : 0

  alarm_name          = "${var.name}-verification-backlog-age"
  alarm_description   = "Verification: the oldest message of ${aws_sqs_queue.verification.name} is ${var.alarm_oldest_message_age_seconds} s old or older (ApproximateAgeOfOldestMessage): uploads wait that long to become ready. The verifier is failing, throttled or disabled."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.verification.name }
  statistic           = "Maximum"
  period              = var.alarm_period_seconds
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.alarm_oldest_message_age_seconds
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}
