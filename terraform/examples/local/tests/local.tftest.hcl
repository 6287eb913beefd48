# The local example plans what the local stack relies on, with mocked providers and the
# repository's test fixtures in place of the built packages (so it runs without `make build`).
# The harness (harness/stack) provisions from this plan and bakes output.edge_config into the
# edge; the bench (bench/planned.py) runs both functions with it.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "000000000000" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { region = "us-east-1" }
  }
  mock_data "aws_kms_public_key" {
    defaults = { public_key_pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n" }
  }
}

mock_provider "aws" {
  alias = "us_east_1"

  mock_data "aws_caller_identity" {
    defaults = { account_id = "000000000000" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  upload_api_package = "../../tests/fixtures/upload_api_package.txt"
  verifier_package   = "../../tests/fixtures/verifier_package.txt"
  edge_auth_package  = "../../tests/fixtures/edge_package.zip.stand-in"
}

run "local_stack_plan" {
  command = plan

  assert {
    condition = (
      output.edge_config.issuer == "urn:uploads-local:upload-api"
      && output.edge_config.audience == "urn:uploads-local:cdn"
      && output.edge_config.query_param == "authorization"
      && output.edge_config.uploads_prefix == "uploads/"
      && length(output.edge_config.keys) == 1
    )
    error_message = "The edge must trust the local stack's own download tokens (its issuer, audience and signing key) under uploads/."
  }

  assert {
    condition     = toset(output.edge_config.allowed_origins) == toset(["http://localhost:4583", "http://127.0.0.1:4583"]) && output.edge_config.idp == null
    error_message = "The edge must answer CORS for both loopback names of the web demo, and trust no identity-provider token."
  }

  assert {
    condition     = output.frontend_config.api_token_audience == "uploads-local" && output.frontend_config.bucket_name == "uploads-local"
    error_message = "The web demo's config must name the dev issuer's audience and the local bucket."
  }

  assert {
    condition     = output.rate_limit_table_name == "uploads-local-rate-limit" && output.upload_api_function_name == "uploads-local-upload-api"
    error_message = "The local stack's resources must carry the example's name."
  }
}
