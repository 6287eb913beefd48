# The whole composition (root module), OAI and OAC, with mocked providers.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { region = "eu-west-1" }
  }
  mock_data "aws_kms_public_key" {
    defaults = { public_key_pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n" }
  }
  mock_resource "aws_api_gateway_stage" {
    defaults = { invoke_url = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      domain_name = "d111111abcdef8.cloudfront.net"
      arn         = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
    }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::tf-test-uploads" }
  }
  mock_resource "aws_kms_key" {
    defaults = {
      key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }
}

mock_provider "aws" {
  alias = "us_east_1"

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn           = "arn:aws:lambda:us-east-1:123456789012:function:tf-test-edge-auth"
      qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:tf-test-edge-auth:3"
      version       = "3"
    }
  }
}

# The generated owner key (random_bytes), as the runs that apply see it.
mock_provider "random" {
  mock_resource "random_bytes" {
    defaults = { base64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" }
  }
}

variables {
  name            = "tf-test"
  bucket_name     = "tf-test-uploads"
  allowed_origins = ["https://app.example.com"]
  identity_provider = {
    issuer   = "https://idp.example.com/"
    audience = "tf-test-app"
    jwks_url = "https://idp.example.com/.well-known/jwks.json"
  }
  packages = {
    upload_api_zip = "tests/fixtures/upload_api_package.txt"
    verifier_zip   = "tests/fixtures/verifier_package.txt"
    edge_auth_zip  = ".terraform/tf-test-built-edge_auth.zip"
  }
}

# A real (tiny) zip for package_zip: the runs that apply bake it for real (terraform_data.package).
run "built_package" {
  command = plan

  module {
    source = "./tests/fixtures/built_edge_package"
  }

  variables {
    output_path = ".terraform/tf-test-built-edge_auth.zip"
  }
}

run "oai_stack_applies_and_wires_the_parts" {
  command = apply

  assert {
    condition     = module.cdn.origin_access == "oai" && [for s in jsondecode(module.storage.bucket_policy).Statement : s.Principal.AWS if s.Effect == "Allow"] == [module.cdn.oai_iam_arn]
    error_message = "OAI must be the default, and the bucket must grant read to that OAI alone."
  }

  assert {
    condition     = module.edge_auth.region == "us-east-1"
    error_message = "The edge function must be in us-east-1."
  }

  assert {
    condition     = output.edge_function_qualified_arn == "arn:aws:lambda:us-east-1:123456789012:function:tf-test-edge-auth:3"
    error_message = "The distribution must use the edge function's published version."
  }

  assert {
    condition = (
      module.edge_auth.config.keys == [{ kid = output.signing_key_id, pem = data.aws_kms_public_key.signing.public_key_pem }] &&
      startswith(data.aws_kms_public_key.signing.public_key_pem, "-----BEGIN PUBLIC KEY-----") &&
      module.upload_api.environment.SIGNING_KEY_ID == output.signing_key_id
    )
    error_message = "The edge must trust the key the API signs with, under the kid the API puts in tokens."
  }

  assert {
    condition = (
      module.edge_auth.config.issuer == module.upload_api.environment.DOWNLOAD_TOKEN_ISSUER &&
      module.edge_auth.config.audience == module.upload_api.environment.DOWNLOAD_TOKEN_AUDIENCE
    )
    error_message = "The edge must require the issuer and audience the API mints."
  }

  assert {
    condition     = module.upload_api.environment.CDN_URL == "https://d111111abcdef8.cloudfront.net" && output.cdn_url == module.upload_api.environment.CDN_URL
    error_message = "The API must build download URLs on the CDN URL, without a trailing slash."
  }

  assert {
    condition     = length(random_bytes.owner_key) == 1 && nonsensitive(module.upload_api.secret_environment == { OWNER_KEY = random_bytes.owner_key[0].base64, PREVIOUS_OWNER_KEYS = "" })
    error_message = "Without owner_key, the API's owner key must be the generated one."
  }

  assert {
    condition     = module.edge_auth.config.idp == null && !strcontains(jsonencode(module.edge_auth.config), nonsensitive(random_bytes.owner_key[0].base64))
    error_message = "Without the identity-provider rule at the edge, no owner key may be baked into the edge."
  }

  assert {
    condition = jsonencode(output.frontend_config) == jsonencode({
      api_url                   = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"
      uploads_url               = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/uploads"
      downloads_url             = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/downloads"
      cdn_url                   = "https://d111111abcdef8.cloudfront.net"
      cdn_domain                = "d111111abcdef8.cloudfront.net"
      bucket_name               = output.bucket_name
      max_upload_bytes          = 10485760
      allowed_content_types     = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]
      api_token_audience        = "tf-test-app"
      multipart_threshold_bytes = 10485760
      max_object_bytes          = 5368709120
      require_sha256            = true
    })
    error_message = "frontend_config must carry every value a frontend needs."
  }
}

run "oac_stack_plans" {
  command = plan

  variables {
    cdn = { origin_access = "oac" }
  }

  assert {
    condition     = module.cdn.origin_access == "oac" && module.cdn.oai_iam_arn == null
    error_message = "OAC mode must create no OAI."
  }
}

run "oai_stack_plans" {
  command = plan

  assert {
    condition     = module.cdn.origin_access == "oai"
    error_message = "OAI must be the default."
  }
}

run "unset_settings_take_the_modules_defaults" {
  command = plan

  assert {
    condition = (
      module.upload_api.environment.PRESIGN_EXPIRES_SECONDS == "300" &&
      module.upload_api.environment.USER_JWT_ALGORITHMS == "RS256,ES256" &&
      module.upload_api.environment.UPLOAD_PREFIX == "uploads/" &&
      module.edge_auth.config.uploads_prefix == "uploads/" &&
      module.edge_auth.config.idp == null
    )
    error_message = "An unset optional() attribute must reach the module as null and take the module's default."
  }
}

run "identity_provider_at_the_edge_is_baked_with_its_keys" {
  command = plan

  variables {
    identity_provider = {
      issuer   = "https://idp.example.com/"
      audience = "tf-test-app"
      jwks_url = "https://idp.example.com/.well-known/jwks.json"
      edge     = { audience = "tf-test-cdn", keys = [{ kid = "idp-1", n = "sXch", e = "AQAB" }] }
    }
    # Supplied, so that the plan knows it (generated, it is known after apply only).
    owner_key           = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
    previous_owner_keys = ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="]
  }

  assert {
    condition     = nonsensitive(module.edge_auth.config.idp) == { issuer = "https://idp.example.com/", audience = "tf-test-cdn", owner_claim = "sub", keys = [{ kid = "idp-1", n = "sXch", e = "AQAB" }], owner_keys = tolist(["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="]) }
    error_message = "identity_provider.edge must bake the provider's issuer, its CDN-only audience and keys, owner claim defaulting to sub, and the API's owner keys, current first."
  }

  assert {
    condition     = length(random_bytes.owner_key) == 0 && nonsensitive(module.upload_api.secret_environment == { OWNER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", PREVIOUS_OWNER_KEYS = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" })
    error_message = "A supplied owner_key must be the API's (nothing generated), previous_owner_keys its PREVIOUS_OWNER_KEYS."
  }
}

run "edge_audience_must_differ_from_the_api_audience" {
  command = plan

  variables {
    identity_provider = {
      issuer   = "https://idp.example.com/"
      audience = "tf-test-app"
      jwks_url = "https://idp.example.com/.well-known/jwks.json"
      edge     = { audience = "tf-test-app", keys = [{ kid = "idp-1", n = "sXch", e = "AQAB" }] }
    }
  }

  expect_failures = [var.identity_provider]
}

run "private_key_is_rejected_as_trusted_key" {
  command = plan

  variables {
    downloads = {
      additional_trusted_keys = [{
        kid = "old"
        pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
      }]
    }
  }

  expect_failures = [var.downloads]
}

run "key_admins_table_key_and_version_bounds_reach_the_modules" {
  command = plan

  variables {
    downloads       = { signing_key_admin_arns = ["arn:aws:iam::123456789012:role/platform-admin"] }
    rate_limit      = { table_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
    bucket_versions = { noncurrent_days = 90, newer_noncurrent_versions = 5 }
  }

  assert {
    condition     = [for s in jsondecode(module.upload_api.signing_key_policy).Statement : s.Principal.AWS if s.Sid == "AdministratorsManageButDoNotSign"] == [["arn:aws:iam::123456789012:role/platform-admin"]]
    error_message = "downloads.signing_key_admin_arns must name the signing key's administrators."
  }

  assert {
    condition     = module.upload_api.rate_limit_table_kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "rate_limit.table_kms_key_arn must encrypt the rate-limit table."
  }

  assert {
    condition     = module.storage.noncurrent_versions == { days = 90, newer_versions = 5 }
    error_message = "bucket_versions must bound the bucket's noncurrent versions."
  }
}

run "unset_key_admins_table_key_and_version_bounds_take_the_defaults" {
  command = plan

  assert {
    condition = (
      [for s in jsondecode(module.upload_api.signing_key_policy).Statement : s.Principal.AWS if s.Sid == "AdministratorsManageButDoNotSign"] == [["arn:aws:iam::123456789012:root"]] &&
      module.upload_api.rate_limit_table_kms_key_arn == null &&
      module.storage.noncurrent_versions == { days = 30, newer_versions = 3 } &&
      module.upload_api.environment.ALLOW_ACTIVE_CONTENT == "false"
    )
    error_message = "Unset, the key is administered by the account root, the table uses the AWS-owned key, versions keep the storage module's bounds and active content is refused."
  }
}

# Without the opt-in the same types fail upload_api's validation (a child module's variable, which
# a root test cannot expect_failures on): modules/upload_api/tests/contract.tftest.hcl.
run "active_content_plans_with_the_opt_in" {
  command = plan

  variables {
    uploads = { content_types = ["image/png", "image/svg+xml"], allow_active_content = true }
  }

  assert {
    condition     = module.upload_api.environment.ALLOW_ACTIVE_CONTENT == "true" && module.upload_api.environment.ALLOWED_CONTENT_TYPES == "image/png,image/svg+xml"
    error_message = "uploads.allow_active_content must reach the function with the types it allows."
  }
}

run "monitoring_watches_this_stacks_parts" {
  command = apply # the dashboard names alarms and the distribution, known after apply

  variables {
    monitoring = {
      alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
      thresholds      = { api_latency_p99_ms = 5000 }
    }
  }

  assert {
    condition = (
      length(output.monitoring.alarm_names) == 10 && output.monitoring.dashboard_name == "tf-test"
      && contains(output.monitoring.alarm_names, "tf-test-verification-dead-letters")
      && contains(output.monitoring.alarm_names, "tf-test-verification-backlog-age")
    )
    error_message = "With a topic, the composition must create the eight alarms of the monitoring module, the verification queue's two, and the dashboard."
  }

  assert {
    condition = (
      strcontains(jsonencode(module.monitoring.dashboard_body), "\"ApiName\",\"tf-test\",\"Stage\",\"v1\"") &&
      strcontains(jsonencode(module.monitoring.dashboard_body), "\"FunctionName\",\"tf-test-upload-api\"") &&
      strcontains(jsonencode(module.monitoring.dashboard_body), "\"TableName\",\"tf-test-rate-limit\"") &&
      strcontains(jsonencode(module.monitoring.dashboard_body), "[\"UploadApi\",\"PresignsIssued\",\"kind\",\"upload_post\",\"service\",\"tf-test\"]")
    )
    error_message = "The dashboard must chart this stack's API stage, function, table and the function's own metrics (namespace and service from upload_api)."
  }
}

run "monitoring_without_a_topic_has_no_alarms" {
  command = plan

  assert {
    condition     = output.monitoring.alarm_names == [] && output.monitoring.dashboard_name == "tf-test"
    error_message = "Unset, monitoring creates the dashboard and no alarm."
  }
}

run "verification_is_wired_to_this_bucket_and_its_prefixes" {
  command = apply

  assert {
    condition = (
      module.upload_api.environment.QUARANTINE_PREFIX == module.storage.quarantine_prefix
      && module.verification.environment.QUARANTINE_PREFIX == module.storage.quarantine_prefix
      && module.verification.environment.PUBLISHED_PREFIX == module.storage.uploads_prefix
      && module.verification.environment.REJECTED_PREFIX == "rejected/"
      && module.verification.environment.UPLOAD_TABLE == module.upload_api.upload_table_name
      && module.verification.environment.BUCKET_NAME == module.storage.bucket_name
      && module.verification.environment.ALLOWED_CONTENT_TYPES == module.upload_api.environment.ALLOWED_CONTENT_TYPES
    )
    error_message = "The API presigns into the quarantine prefix the verifier reads; the verifier publishes to the prefix the CDN serves, with the API's records and content types."
  }

  assert {
    condition = [
      for s in jsondecode(module.verification.queue_policy).Statement : s.Condition.ArnEquals["aws:SourceArn"] if s.Effect == "Allow"
    ] == [module.storage.bucket_arn]
    error_message = "The queue must admit notifications of this stack's bucket only."
  }

  assert {
    condition = !anytrue([
      for s in jsondecode(module.upload_api.function_policy).Statement :
      anytrue([for r in flatten([s.Resource]) : startswith(r, "${module.storage.bucket_arn}/${module.storage.uploads_prefix}")])
    ])
    error_message = "The API must not write the published prefix: only the verifier publishes."
  }

  assert {
    condition     = output.verifier_function_name == "tf-test-verifier" && output.verification_queue_url == module.verification.queue_url
    error_message = "The root outputs must name the verifier and its queue."
  }
}

run "verification_settings_reach_the_modules" {
  command = plan

  variables {
    verification = {
      timeout_seconds         = 20
      batch_size              = 5
      rejected_retention_days = 0
    }
  }

  assert {
    condition = (
      module.verification.environment.REJECTED_PREFIX == ""
      && module.storage.rejected_prefix == ""
    )
    error_message = "rejected_retention_days = 0 must mean rejected objects are deleted (no rejected prefix)."
  }
}
