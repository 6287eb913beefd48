data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_root_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  # Empty means the account root: IAM policies in the account can then grant administration,
  # and the key can never be locked out. Named principals replace that (see README).
  kms_admins = length(var.kms_admin_arns) > 0 ? var.kms_admin_arns : [local.account_root_arn]
  # Presigned uploads land in quarantine; only the verifier publishes to uploads_prefix.
  quarantine_arn = "${var.bucket_arn}/${var.quarantine_prefix}*"

  # The contract with lambda_src/upload_api (see the repository README).
  environment = merge(
    {
      BUCKET_NAME                = var.bucket_name
      UPLOAD_PREFIX              = var.uploads_prefix
      QUARANTINE_PREFIX          = var.quarantine_prefix
      MAX_UPLOAD_BYTES           = tostring(var.max_upload_bytes)
      ALLOWED_CONTENT_TYPES      = join(",", var.allowed_content_types)
      ALLOW_ACTIVE_CONTENT       = tostring(var.allow_active_content)
      PRESIGN_EXPIRES_SECONDS    = tostring(var.presign_expires_seconds)
      RATE_LIMIT_TABLE           = aws_dynamodb_table.rate_limit.name
      RATE_LIMIT_MAX_REQUESTS    = tostring(var.rate_limit_max_requests)
      RATE_LIMIT_WINDOW_SECONDS  = tostring(var.rate_limit_window_seconds)
      SIGNING_KEY_ID             = aws_kms_key.signing.key_id
      DOWNLOAD_TOKEN_ISSUER      = var.download_token_issuer
      DOWNLOAD_TOKEN_AUDIENCE    = var.download_token_audience
      DOWNLOAD_TOKEN_TTL_SECONDS = tostring(var.download_token_ttl_seconds)
      CDN_URL                    = var.cdn_url
      USER_JWT_ISSUER            = var.user_jwt_issuer
      USER_JWT_AUDIENCE          = var.user_jwt_audience
      USER_JWT_ALGORITHMS        = join(",", var.user_jwt_algorithms)
      ALLOWED_ORIGINS            = join(",", var.allowed_origins)
      DOWNLOAD_ACCESS            = var.download_access
      POWERTOOLS_SERVICE_NAME    = var.name
      POWERTOOLS_LOG_LEVEL       = var.log_level
      # Business metrics (lambda_src/upload_api/metrics.py); the service dimension is POWERTOOLS_SERVICE_NAME.
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      # Issue 15: checksums and multipart uploads.
      REQUIRE_SHA256              = tostring(var.require_sha256)
      UPLOAD_TABLE                = aws_dynamodb_table.uploads.name
      MULTIPART_THRESHOLD_BYTES   = tostring(min(var.multipart_threshold_bytes, var.max_upload_bytes))
      MAX_OBJECT_BYTES            = tostring(max(var.max_object_bytes, var.max_upload_bytes))
      PART_SIZE_BYTES             = tostring(var.part_size_bytes)
      PART_SIGN_RATE_MAX_REQUESTS = tostring(var.part_sign_rate_max_requests)
      MULTIPART_EXPIRES_SECONDS   = tostring(var.multipart_expires_seconds)
    },
    var.user_jwks_url != null ? { USER_JWKS_URL = var.user_jwks_url } : { USER_JWKS_JSON = var.user_jwks_json },
  )
  # Kept apart so that the environment output and what is derived from it stay readable.
  secret_environment = {
    OWNER_KEY           = var.owner_key
    PREVIOUS_OWNER_KEYS = join(",", var.previous_owner_keys)
  }

  # Worst case for what is unknown at plan time: a KMS key id is a 36-character UUID, a CDN
  # URL at most "https://" and a 253-character host name.
  # A length reveals nothing of the owner key in it: shown, so the precondition can say it.
  environment_bytes = nonsensitive(sum([
    for k, v in merge(local.environment, local.secret_environment, { SIGNING_KEY_ID = "", CDN_URL = "" }) : length(k) + length(v)
  ]) + 36 + 8 + 253)

  # Each API resource by its full path (the harness reads the path from the for_each key),
  # with the methods integrated on it. OPTIONS goes to the function as well: only code can
  # echo one of several allowed origins.
  top_routes    = toset(["uploads", "downloads", "uppy"])
  upload_routes = toset(["parts", "complete"])
  route_paths = {
    "uploads"                      = ["POST"]
    "downloads"                    = ["POST"]
    "uploads/{upload_id}"          = ["GET", "DELETE"]
    "uploads/{upload_id}/parts"    = ["GET", "POST"]
    "uploads/{upload_id}/complete" = ["POST"]
    "uppy/sign"                    = ["POST"]
  }
  route_methods = merge([
    for path, methods in local.route_paths : {
      for method in concat(methods, ["OPTIONS"]) : "${method} /${path}" => { path = path, method = method }
    }
  ]...)
  resource_ids = merge(
    { for path, r in aws_api_gateway_resource.route : path => r.id },
    { for path, r in aws_api_gateway_resource.upload : path => r.id },
    { for path, r in aws_api_gateway_resource.upload_action : path => r.id },
    { for path, r in aws_api_gateway_resource.uppy_action : path => r.id },
  )
}

# --- Download-token signing key ------------------------------------------------

resource "aws_kms_key" "signing" {
  #checkov:skip=CKV_AWS_7:KMS cannot rotate asymmetric keys automatically; README "Rotating the signing key" gives the procedure.
  description              = "${var.name}: signs download tokens (RS256). The private key never leaves KMS."
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = var.kms_deletion_window_days
  tags                     = var.tags

  # The account may administer the key but not sign with it: kms:Sign goes to the API
  # function's role alone, and kms:CreateGrant is left out so that no grant can widen that.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AdministratorsManageButDoNotSign"
        Effect    = "Allow"
        Principal = { AWS = local.kms_admins }
        Action = [
          "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
          "kms:Describe*", "kms:Get*", "kms:List*",
          "kms:Enable*", "kms:Disable*", "kms:Put*", "kms:Update*",
          "kms:RevokeGrant", "kms:RetireGrant",
          "kms:TagResource", "kms:UntagResource",
          "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
        ]
        Resource = "*"
      },
      {
        Sid       = "UploadApiSignsDownloadTokens"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.function.arn }
        Action    = "kms:Sign"
        Resource  = "*"
        # Exactly what download_tokens.py asks for (RS256 over the raw signing input).
        Condition = {
          StringEquals = {
            "kms:SigningAlgorithm" = "RSASSA_PKCS1_V1_5_SHA_256"
            "kms:MessageType"      = "RAW"
          }
        }
      },
    ]
  })

  # Rotation is a replacement (-replace=...). Creating first lets Terraform switch the
  # function to the new key only after the edge trusts it (the function depends on the
  # distribution through CDN_URL), and only then schedule the old key's deletion.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_kms_alias" "signing" {
  name          = "alias/${var.name}-download-tokens"
  target_key_id = aws_kms_key.signing.key_id
}

# --- Rate-limit table ---------------------------------------------------------

resource "aws_dynamodb_table" "rate_limit" {
  #checkov:skip=CKV_AWS_28:Counters live for one rate-limit window; there is nothing worth restoring.
  #checkov:skip=CKV_AWS_119:Holds only per-user request counters; the AWS-owned key is the default (no KMS requests), a customer key is optional (dynamodb_kms_key_arn).
  name         = "${var.name}-rate-limit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  tags         = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  # Expired windows are removed by DynamoDB for free.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  # No block: the AWS-owned key (free, no KMS requests). `enabled = true` would select the
  # AWS-managed key aws/dynamodb instead, which bills KMS requests.
  dynamic "server_side_encryption" {
    for_each = var.dynamodb_kms_key_arn == null ? [] : [var.dynamodb_kms_key_arn]
    content {
      enabled     = true
      kms_key_arn = server_side_encryption.value
    }
  }
}

# --- Upload records -----------------------------------------------------------

resource "aws_dynamodb_table" "uploads" {
  #checkov:skip=CKV_AWS_28:Records live until their upload expires (multipart_expires_seconds); the objects themselves are versioned in S3.
  #checkov:skip=CKV_AWS_119:Holds upload bookkeeping (owner sub, key, sizes, checksums); the AWS-owned key is the default, a customer key is optional (dynamodb_kms_key_arn).
  name         = "${var.name}-uploads"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "upload_id"
  tags         = var.tags

  attribute {
    name = "upload_id"
    type = "S"
  }

  # A record's right to sign and complete ends at expires_at; DynamoDB then deletes it.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  dynamic "server_side_encryption" {
    for_each = var.dynamodb_kms_key_arn == null ? [] : [var.dynamodb_kms_key_arn]
    content {
      enabled     = true
      kms_key_arn = server_side_encryption.value
    }
  }
}

# --- Function -----------------------------------------------------------------

resource "aws_iam_role" "function" {
  name = "${var.name}-upload-api"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

# Least privilege: write new objects under the quarantine prefix (presigning single PUT/POST
# needs nothing more), the multipart calls the API makes or presigns (create, upload part, list
# parts, complete, abort) and HeadObject (s3:GetObject: the status route reads the stored
# checksum) on the quarantine prefix only, never on the published one (only the verifier
# publishes); count requests (one atomic UpdateItem per request); read and
# write upload records; sign tokens; write its own logs. No s3:DeleteObject, no s3:ListBucket.
resource "aws_iam_role_policy" "function" {
  name = "least-privilege"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "UploadsIntoQuarantine"
        Effect = "Allow"
        # s3:PutObject covers PutObject, CreateMultipartUpload, UploadPart and CompleteMultipartUpload.
        Action   = ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:GetObject"]
        Resource = local.quarantine_arn
      },
      {
        Sid      = "UploadRecords"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"]
        Resource = aws_dynamodb_table.uploads.arn
      },
      {
        Sid      = "CountRequestsPerUser"
        Effect   = "Allow"
        Action   = "dynamodb:UpdateItem"
        Resource = aws_dynamodb_table.rate_limit.arn
      },
      {
        Sid      = "SignDownloadTokens"
        Effect   = "Allow"
        Action   = "kms:Sign"
        Resource = aws_kms_key.signing.arn
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.function.arn}:*"
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:Logs hold no secrets (tokens are never logged); CloudWatch's default encryption at rest suffices.
  name              = "/aws/lambda/${var.name}-upload-api"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "upload_api" {
  #checkov:skip=CKV_AWS_115:Stage throttling and the per-user rate limit bound load; reserving concurrency fails in new accounts (quota 10).
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; failures return to the caller, a DLQ would never receive anything.
  #checkov:skip=CKV_AWS_117:Calls only S3, DynamoDB, KMS and the JWKS URL; a VPC would add NAT cost and no isolation.
  #checkov:skip=CKV_AWS_173:The environment holds configuration only, no secrets; Lambda encrypts it at rest with an AWS key.
  #checkov:skip=CKV_AWS_50:No code emits a trace; X-Ray removed on purpose (terraform/README.md "X-Ray").
  #checkov:skip=CKV_AWS_272:Packages come from this repository's reproducible build; code signing needs a signer profile per account.
  function_name    = "${var.name}-upload-api"
  description      = "Presigns direct-to-S3 uploads and mints CDN download tokens."
  role             = aws_iam_role.function.arn
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  handler          = "upload_api.handler.handler"
  runtime          = "python3.13"
  memory_size      = var.memory_size
  timeout          = var.timeout_seconds
  tags             = var.tags

  environment {
    variables = merge(local.environment, local.secret_environment)
  }

  lifecycle {
    # Lambda refuses an environment over 4 KB (keys + values). Checked at plan time against
    # the known values; the two known only after apply count at their largest.
    precondition {
      condition     = local.environment_bytes <= 4096
      error_message = "The function's environment would be ${local.environment_bytes} bytes; Lambda allows 4096. An inline user_jwks_json is the usual cause: drop x5c chains from it, or use user_jwks_url."
    }
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

# --- REST API (v1) ------------------------------------------------------------

resource "aws_api_gateway_rest_api" "upload_api" {
  name        = var.name
  description = "Upload API: POST /uploads (presigned or multipart upload), /uploads/{upload_id}/... (parts, complete, status, abort), POST /downloads (download token)."
  tags        = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  # If a change ever forces a new API, bring it up before the old one goes away.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "route" {
  for_each = local.top_routes

  rest_api_id = aws_api_gateway_rest_api.upload_api.id
  parent_id   = aws_api_gateway_rest_api.upload_api.root_resource_id
  path_part   = each.key
}

# /uploads/{upload_id} (status, abort) and its actions /parts (sign, list) and /complete.
resource "aws_api_gateway_resource" "upload" {
  # Keyed by its full path, as every nested resource: a plan cannot tell a resource's parent.
  for_each = toset(["uploads/{upload_id}"])

  rest_api_id = aws_api_gateway_rest_api.upload_api.id
  parent_id   = aws_api_gateway_resource.route["uploads"].id
  path_part   = "{upload_id}"
}

resource "aws_api_gateway_resource" "upload_action" {
  for_each = { for part in local.upload_routes : "uploads/{upload_id}/${part}" => part }

  rest_api_id = aws_api_gateway_rest_api.upload_api.id
  parent_id   = aws_api_gateway_resource.upload["uploads/{upload_id}"].id
  path_part   = each.value
}

# /uppy/sign: Uppy's signRequest (lambda_src/upload_api/uppy.py).
resource "aws_api_gateway_resource" "uppy_action" {
  for_each = toset(["uppy/sign"])

  rest_api_id = aws_api_gateway_rest_api.upload_api.id
  parent_id   = aws_api_gateway_resource.route["uppy"].id
  path_part   = "sign"
}

resource "aws_api_gateway_method" "route" {
  #checkov:skip=CKV_AWS_59:The function verifies the user's JWT (issuer, audience, JWKS, algorithms); REST APIs have no native JWT authorizer, and preflights must be anonymous.
  #checkov:skip=CKV2_AWS_53:The function validates every request body strictly; a model here would duplicate its rules.
  for_each = local.route_methods

  rest_api_id   = aws_api_gateway_rest_api.upload_api.id
  resource_id   = local.resource_ids[each.value.path]
  http_method   = each.value.method
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "route" {
  for_each = local.route_methods

  rest_api_id             = aws_api_gateway_rest_api.upload_api.id
  resource_id             = local.resource_ids[each.value.path]
  http_method             = aws_api_gateway_method.route[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.upload_api.invoke_arn
}

resource "aws_lambda_permission" "api_gateway" {
  statement_id  = "AllowInvokeFromApiStage"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.upload_api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.upload_api.execution_arn}/${var.stage_name}/*/*"
}

resource "aws_api_gateway_deployment" "upload_api" {
  rest_api_id = aws_api_gateway_rest_api.upload_api.id

  # A deployment is a snapshot: take a new one whenever a route changes.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.route,
      aws_api_gateway_resource.upload,
      aws_api_gateway_resource.upload_action,
      aws_api_gateway_resource.uppy_action,
      aws_api_gateway_method.route,
      aws_api_gateway_integration.route,
      aws_api_gateway_gateway_response.cors,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "api_access" {
  #checkov:skip=CKV_AWS_158:Access logs hold no secrets (no headers, no bodies); CloudWatch's default encryption at rest suffices.
  name              = "/aws/apigateway/${var.name}/${var.stage_name}/access"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_api_gateway_stage" "upload_api" {
  #checkov:skip=CKV_AWS_120:Every response is per user and per request (presigned URLs, tokens); caching would be wrong.
  #checkov:skip=CKV2_AWS_51:Browsers call this API directly; there is no backend for a client certificate to authenticate to.
  #checkov:skip=CKV2_AWS_29:WAF is an account-level choice; stage throttling and the per-user rate limit are built in.
  #checkov:skip=CKV2_AWS_4:Execution logs can echo request data (tokens); JSON access logs and the function's own logs are enough.
  rest_api_id          = aws_api_gateway_rest_api.upload_api.id
  deployment_id        = aws_api_gateway_deployment.upload_api.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true
  tags                 = var.tags

  # Only when the region's account setting names a CloudWatch role (modules/api_gateway_account):
  # otherwise the stage is refused ("CloudWatch Logs role ARN must be set in account settings").
  # Deliberately no query string, headers or body: nothing that could carry a token.
  dynamic "access_log_settings" {
    for_each = var.api_gateway_account_has_cloudwatch_role ? [aws_cloudwatch_log_group.api_access.arn] : []
    content {
      destination_arn = access_log_settings.value
      format = jsonencode({
        requestId          = "$context.requestId"
        requestTime        = "$context.requestTime"
        sourceIp           = "$context.identity.sourceIp"
        userAgent          = "$context.identity.userAgent"
        httpMethod         = "$context.httpMethod"
        resourcePath       = "$context.resourcePath"
        status             = "$context.status"
        responseLength     = "$context.responseLength"
        integrationLatency = "$context.integrationLatency"
        errorMessage       = "$context.error.message"
      })
    }
  }

  # Gateway responses are part of what a deployment publishes.
  depends_on = [aws_api_gateway_gateway_response.cors]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Responses are per user and per request; caching them would leak one user's upload to another.
  #checkov:skip=CKV_AWS_308:No cache exists, so there is nothing to encrypt.
  rest_api_id = aws_api_gateway_rest_api.upload_api.id
  stage_name  = aws_api_gateway_stage.upload_api.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    metrics_enabled        = true
    caching_enabled        = false
    logging_level          = "OFF"
  }
}

# The region's API Gateway account setting (its CloudWatch role) is account-wide: it belongs
# to one small root per region (modules/api_gateway_account, README "Access logs"), never to
# this stack. Stacks that created it here hand it over without destroying it: with provider
# v6, destroying aws_api_gateway_account resets the setting for every REST API in the region.
removed {
  from = aws_api_gateway_account.cloudwatch_logging
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy_attachment.api_gateway_cloudwatch
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.api_gateway_cloudwatch
  lifecycle {
    destroy = false
  }
}

# --- Gateway responses ---------------------------------------------------------

# API Gateway's own answers (throttling 429, missing route 403, integration failures 5xx)
# carry CORS headers too, or a browser hides them from the app. A gateway response cannot
# echo one of several origins, so it names the first allowed origin (the app's).
resource "aws_api_gateway_gateway_response" "cors" {
  for_each = toset(["DEFAULT_4XX", "DEFAULT_5XX"])

  rest_api_id   = aws_api_gateway_rest_api.upload_api.id
  response_type = each.key

  response_parameters = {
    "gatewayresponse.header.Access-Control-Allow-Origin"  = "'${var.allowed_origins[0]}'"
    "gatewayresponse.header.Vary"                         = "'Origin'"
    "gatewayresponse.header.Access-Control-Allow-Headers" = "'Authorization,Content-Type'"
    "gatewayresponse.header.Access-Control-Allow-Methods" = "'GET,POST,DELETE,OPTIONS'"
  }

  response_templates = {
    "application/json" = jsonencode({ error = { code = "gateway_error", message = "$context.error.messageString" } })
  }
}
