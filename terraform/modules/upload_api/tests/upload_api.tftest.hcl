# Least privilege of the upload API, with mocked providers.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  name                    = "tf-test"
  package_path            = "../../tests/fixtures/upload_api_package.txt"
  bucket_name             = "tf-test-uploads"
  bucket_arn              = "arn:aws:s3:::tf-test-uploads"
  download_token_issuer   = "urn:tf-test:upload-api"
  download_token_audience = "urn:tf-test:cdn"
  cdn_url                 = "https://d111111abcdef8.cloudfront.net"
  user_jwt_issuer         = "https://idp.example.com/"
  user_jwt_audience       = "tf-test-app"
  user_jwks_url           = "https://idp.example.com/.well-known/jwks.json"
  allowed_origins         = ["https://app.example.com"]
  owner_key               = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
}

run "role_is_least_privilege" {
  command = apply

  assert {
    condition = toset([
      for action in flatten([for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Action]) :
      action if startswith(action, "s3:")
    ]) == toset(["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:GetObject"])
    error_message = "The API role gets exactly the S3 actions it uses: PutObject (single and multipart writes), ListMultipartUploadParts, AbortMultipartUpload, GetObject (HeadObject for the stored checksum); never delete, list the bucket, ACLs or bucket settings."
  }

  assert {
    condition = toset([
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : startswith(a, "dynamodb:")])
    ]) == toset([aws_dynamodb_table.rate_limit.arn, aws_dynamodb_table.uploads.arn])
    error_message = "DynamoDB access must be limited to the rate-limit and upload-record tables."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Action
      if s.Resource == aws_dynamodb_table.uploads.arn
    ])) == toset(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"])
    error_message = "The upload records: PutItem (a new record), GetItem, UpdateItem (state changes write only what changed, so they never undo the verifier's verdict); never Scan, Query or DeleteItem."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : startswith(a, "s3:")])
    ] == ["arn:aws:s3:::tf-test-uploads/quarantine/*"]
    error_message = "S3 access must be limited to the quarantine prefix."
  }

  assert {
    condition = !anytrue([
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement :
      anytrue([for r in flatten([s.Resource]) : startswith(r, "arn:aws:s3:::tf-test-uploads/uploads")])
    ])
    error_message = "The API must not write (or read) the published prefix: only the verifier publishes there."
  }

  assert {
    condition     = one(aws_lambda_function.upload_api.environment).variables.QUARANTINE_PREFIX == "quarantine/" && one(aws_lambda_function.upload_api.environment).variables.UPLOAD_PREFIX == "uploads/"
    error_message = "The function must know both prefixes: it presigns into quarantine and names the published key."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement :
      !contains(flatten([s.Resource]), "*") && !anytrue([for a in flatten([s.Action]) : endswith(a, "*")])
    ])
    error_message = "No statement of the API role may use a '*' resource or a wildcard action."
  }

  assert {
    condition = [
      for s in jsondecode(aws_kms_key.signing.policy).Statement : s.Principal.AWS
      if anytrue([for a in flatten([s.Action]) : contains(["kms:Sign", "kms:*", "kms:CreateGrant", "kms:Create*"], a)])
    ] == [aws_iam_role.function.arn]
    error_message = "Only the API function's role may sign (the account gets neither kms:Sign, kms:* nor kms:CreateGrant)."
  }

  assert {
    condition     = aws_kms_key.signing.customer_master_key_spec == "RSA_2048" && aws_kms_key.signing.key_usage == "SIGN_VERIFY"
    error_message = "The signing key must be an asymmetric RSA_2048 SIGN_VERIFY key."
  }

  assert {
    condition = alltrue([
      for k in ["BUCKET_NAME", "UPLOAD_PREFIX", "QUARANTINE_PREFIX", "MAX_UPLOAD_BYTES", "ALLOWED_CONTENT_TYPES", "PRESIGN_EXPIRES_SECONDS",
        "RATE_LIMIT_TABLE", "RATE_LIMIT_MAX_REQUESTS", "RATE_LIMIT_WINDOW_SECONDS", "SIGNING_KEY_ID",
        "DOWNLOAD_TOKEN_ISSUER", "DOWNLOAD_TOKEN_AUDIENCE", "DOWNLOAD_TOKEN_TTL_SECONDS", "CDN_URL",
        "USER_JWT_ISSUER", "USER_JWT_AUDIENCE", "USER_JWKS_URL", "USER_JWT_ALGORITHMS", "ALLOWED_ORIGINS",
      "DOWNLOAD_ACCESS", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"] :
      contains(keys(one(aws_lambda_function.upload_api.environment).variables), k)
    ]) && !contains(keys(one(aws_lambda_function.upload_api.environment).variables), "USER_JWKS_JSON")
    error_message = "The function's environment must follow the contract (and carry only one JWKS source)."
  }

  assert {
    condition     = one(aws_lambda_function.upload_api.environment).variables.PRESIGN_EXPIRES_SECONDS == "300" && one(aws_lambda_function.upload_api.environment).variables.MAX_UPLOAD_BYTES == "10485760"
    error_message = "Defaults must be short presign expiry (300 s) and a 10 MiB upload cap."
  }

  assert {
    condition     = aws_lambda_function.upload_api.handler == "upload_api.handler.handler" && aws_lambda_function.upload_api.runtime == "python3.13"
    error_message = "Handler and runtime must match the package contract."
  }

  assert {
    condition     = one(aws_api_gateway_method_settings.all.settings).throttling_rate_limit == 50 && one(aws_api_gateway_method_settings.all.settings).throttling_burst_limit == 100
    error_message = "The stage must be throttled."
  }

  assert {
    condition     = one(aws_dynamodb_table.rate_limit.ttl).enabled
    error_message = "The rate-limit table must expire old windows with TTL."
  }
}

run "hmac_algorithms_are_rejected" {
  command = plan

  variables {
    user_jwt_algorithms = ["RS256", "HS256"]
  }

  expect_failures = [var.user_jwt_algorithms]
}

run "both_jwks_sources_are_rejected" {
  command = plan

  variables {
    user_jwks_json = "{\"keys\": []}"
  }

  expect_failures = [var.user_jwks_url]
}

run "long_presign_expiry_is_rejected" {
  command = plan

  variables {
    presign_expires_seconds = 3600
  }

  expect_failures = [var.presign_expires_seconds]
}
