# What the real provider and AWS refuse or get wrong at apply time, which a schema check
# cannot see (issue "first apply on a fresh account"). Mocked providers, offline.

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
  allowed_origins         = ["https://app.example.com", "https://admin.example.com"]
  owner_key               = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
}

# Items 1+2: a fresh account has no CloudWatch role, so the default stage has no access logs,
# and nothing in this stack touches the region's account-wide setting.
run "fresh_account_defaults" {
  command = apply

  assert {
    condition     = length(aws_api_gateway_stage.upload_api.access_log_settings) == 0
    error_message = "By default (fresh account, no CloudWatch role) the stage must not ask for access logs: AWS refuses it."
  }
}

run "access_logs_once_the_account_can_write_them" {
  command = apply

  variables {
    api_gateway_account_has_cloudwatch_role = true
  }

  assert {
    condition     = one(aws_api_gateway_stage.upload_api.access_log_settings).destination_arn == aws_cloudwatch_log_group.api_access.arn
    error_message = "With the account's CloudWatch role in place, access logs must be on."
  }

  assert {
    condition = !anytrue([
      for v in values(jsondecode(one(aws_api_gateway_stage.upload_api.access_log_settings).format)) :
      can(regex("(?i)header|querystring|body|authorizer|requestOverride", v))
    ])
    error_message = "Access logs must not record headers, query strings or bodies, where tokens travel."
  }
}

# Item 5: Lambda's 4 KB environment limit, at plan time.
run "oversized_inline_jwks_is_refused_at_plan" {
  command = plan

  variables {
    user_jwks_url  = null
    user_jwks_json = jsonencode({ keys = [{ kty = "RSA", kid = "k1", n = "AQAB", e = "AQAB", x5c = [join("", [for i in range(80) : "MIIDdzCCAl+gAwIBAgIEbK3CzDANBgkqhkiG9w0BAQsFADBsMRAwDgYDVQQGEwdV"])] }] })
  }

  expect_failures = [aws_lambda_function.upload_api]
}

run "small_inline_jwks_is_accepted" {
  command = plan

  variables {
    user_jwks_url  = null
    user_jwks_json = jsonencode({ keys = [{ kty = "RSA", kid = "k1", n = "AQAB", e = "AQAB" }] })
  }

  assert {
    condition     = local.environment_bytes <= 4096 && local.environment_bytes > 300
    error_message = "A small JWKS must fit, and the size must count the whole environment."
  }
}

# Item 8: the Sign grant is bound to the one algorithm and message type the code uses;
# administrators are the account root by default (no lock-out) or the named principals.
run "kms_sign_conditions_and_default_admin" {
  command = apply

  assert {
    condition = [
      for s in jsondecode(aws_kms_key.signing.policy).Statement : s.Condition.StringEquals
      if s.Action == "kms:Sign"
      ] == [{
        "kms:SigningAlgorithm" = "RSASSA_PKCS1_V1_5_SHA_256"
        "kms:MessageType"      = "RAW"
    }]
    error_message = "kms:Sign must be conditioned on kms:SigningAlgorithm = RSASSA_PKCS1_V1_5_SHA_256 and kms:MessageType = RAW."
  }

  assert {
    condition = [
      for s in jsondecode(aws_kms_key.signing.policy).Statement : s.Principal.AWS
      if s.Sid == "AdministratorsManageButDoNotSign"
    ] == [["arn:aws:iam::123456789012:root"]]
    error_message = "Without kms_admin_arns the account root must administer the key (it can never be locked out)."
  }
}

run "named_kms_admins_replace_the_root" {
  command = apply

  variables {
    kms_admin_arns = ["arn:aws:iam::123456789012:role/platform-admin"]
  }

  assert {
    condition = [
      for s in jsondecode(aws_kms_key.signing.policy).Statement : s.Principal.AWS
      if s.Sid == "AdministratorsManageButDoNotSign"
    ] == [["arn:aws:iam::123456789012:role/platform-admin"]]
    error_message = "kms_admin_arns must name the key administrators instead of the account root."
  }
}

run "kms_admin_must_be_an_iam_arn" {
  command = plan

  variables {
    kms_admin_arns = ["platform-admin"]
  }

  expect_failures = [var.kms_admin_arns]
}

# Item 9: the function's trust policy is bound to this account.
run "trust_policy_carries_source_account" {
  command = apply

  assert {
    condition     = jsondecode(aws_iam_role.function.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "The function role's trust policy must carry aws:SourceAccount."
  }
}

# Item 11: the AWS-owned key by default (no block), a customer key when given.
run "dynamodb_uses_aws_owned_key_by_default" {
  command = apply

  assert {
    condition     = length(aws_dynamodb_table.rate_limit.server_side_encryption) == 0
    error_message = "Without dynamodb_kms_key_arn the table must use the AWS-owned key (no server_side_encryption block; enabled = true would pick the billed AWS-managed key)."
  }
}

run "dynamodb_customer_key_when_given" {
  command = apply

  variables {
    dynamodb_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = one(aws_dynamodb_table.rate_limit.server_side_encryption).kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "dynamodb_kms_key_arn must select that customer key."
  }
}

# Item 13: API Gateway's own 4xx/5xx carry CORS headers.
run "gateway_responses_carry_cors" {
  command = apply

  assert {
    condition = alltrue([
      for t in ["DEFAULT_4XX", "DEFAULT_5XX"] :
      aws_api_gateway_gateway_response.cors[t].response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"
    ])
    error_message = "DEFAULT_4XX and DEFAULT_5XX must carry Access-Control-Allow-Origin (the first allowed origin)."
  }

  assert {
    condition     = aws_api_gateway_gateway_response.cors["DEFAULT_4XX"].response_parameters["gatewayresponse.header.Vary"] == "'Origin'"
    error_message = "Gateway responses must say Vary: Origin."
  }
}
