# The production example plans as documented, with mocked providers and the repository's test
# fixtures in place of the built packages: the defaults an infra team starts from.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
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
}

mock_provider "aws" {
  alias = "us_east_1"

  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
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

run "production_defaults_plan" {
  command = plan

  assert {
    condition     = output.edge_config.issuer != output.edge_config.audience && length(output.edge_config.keys) == 1
    error_message = "The edge must trust exactly the stack's own signing key, with distinct issuer and audience."
  }

  assert {
    condition     = toset(output.edge_config.allowed_origins) == toset(["https://app.acme.example"]) && output.edge_config.idp == null
    error_message = "The edge must answer CORS for the app's origin only, and trust no identity-provider token unless configured."
  }

  assert {
    condition     = output.bucket_name == "acme-prod-user-uploads-eu-west-1" && output.max_upload_bytes == 10485760
    error_message = "The example's bucket and upload limit must be the documented ones."
  }

  assert {
    condition     = alltrue([for t in output.allowed_content_types : startswith(t, "image/") && t != "image/svg+xml"])
    error_message = "The production example must allow passive image types only."
  }
}
