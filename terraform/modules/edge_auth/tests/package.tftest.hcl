# The edge package is really assembled here (the archive provider is not mocked): the same
# configuration must give a byte-identical zip, a changed one a new zip, hence a new version.

mock_provider "aws" {}

mock_provider "aws" {
  alias = "us_east_1"
}

variables {
  name                = "tf-test-edge-auth"
  package_dir         = "../../tests/fixtures/edge_package"
  package_output_path = ".terraform/tf-test-edge_auth.zip"
  issuer              = "urn:tf-test:upload-api"
  audience            = "urn:tf-test:cdn"
  signing_keys = [{
    kid = "1234abcd-12ab-34cd-56ef-1234567890ab"
    pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"
  }]
}

run "first_build" {
  command = plan

  assert {
    condition     = output.package_size > 0 && output.package_size <= 1048576
    error_message = "The package must be assembled at plan time and fit the 1 MiB viewer-trigger limit."
  }

  assert {
    condition     = aws_lambda_function.edge_auth.source_code_hash == output.package_base64sha256
    error_message = "The function must deploy exactly the assembled package."
  }
}

run "unchanged_config_gives_identical_package" {
  command = plan

  assert {
    condition     = output.package_base64sha256 == run.first_build.package_base64sha256
    error_message = "An unchanged configuration must not change the package (no perpetual diff)."
  }
}

run "changed_issuer_gives_new_package" {
  command = plan

  variables {
    issuer = "urn:tf-test:another-api"
  }

  assert {
    condition     = output.package_base64sha256 != run.first_build.package_base64sha256
    error_message = "A configuration change must change the package hash, so that a new version is published."
  }
}

run "added_key_gives_new_package" {
  command = plan

  variables {
    signing_keys = [
      {
        kid = "1234abcd-12ab-34cd-56ef-1234567890ab"
        pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"
      },
      {
        kid = "5678efgh-12ab-34cd-56ef-1234567890ab"
        pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEB\n-----END PUBLIC KEY-----\n"
      },
    ]
  }

  assert {
    condition     = output.package_base64sha256 != run.first_build.package_base64sha256
    error_message = "Trusting another key must change the package hash."
  }
}
