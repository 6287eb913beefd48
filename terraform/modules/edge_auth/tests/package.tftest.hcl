# The package is really baked here: apply runs bake_package.py (terraform_data's local-exec) on
# a real zip. The same code and configuration must give byte-identical packages wherever they are
# baked; a changed configuration a new package and a new update trigger.

mock_provider "aws" {}

mock_provider "aws" {
  alias = "us_east_1"
}

variables {
  name        = "tf-test-edge-auth"
  package_zip = ".terraform/tf-test-built-edge_auth.zip"
  issuer      = "urn:tf-test:upload-api"
  audience    = "urn:tf-test:cdn"
  signing_keys = [{
    kid = "1234abcd-12ab-34cd-56ef-1234567890ab"
    pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"
  }]
}

run "built_package" {
  command = plan

  module {
    source = "../../tests/fixtures/built_edge_package"
  }

  variables {
    output_path = ".terraform/tf-test-built-edge_auth.zip"
  }
}

run "first_bake" {
  variables {
    package_output_path = ".terraform/tf-test-baked-1.zip"
  }

  assert {
    condition     = fileexists(output.package_path) && aws_lambda_function.edge_auth.filename == output.package_path
    error_message = "Apply must bake the package where the function reads it."
  }

  assert {
    condition     = length(filebase64(output.package_path)) > length(filebase64(run.built_package.path))
    error_message = "The baked package must be the built one plus the configuration."
  }

  assert {
    condition     = aws_lambda_function.edge_auth.source_code_hash == output.package_hash
    error_message = "The function's update trigger must be the package hash."
  }

  assert {
    condition     = output.package_bytes_bound >= floor(length(filebase64(output.package_path)) * 3 / 4)
    error_message = "The plan-time bound must not be smaller than the baked package."
  }
}

run "same_config_baked_elsewhere_is_identical" {
  variables {
    package_output_path = ".terraform/tf-test-baked-2.zip"
  }

  assert {
    condition     = filesha256(output.package_path) == filesha256(run.first_bake.package_path)
    error_message = "The same code and configuration must bake to identical bytes (no perpetual diff, reproducible on any runner)."
  }

  assert {
    condition     = output.package_hash == run.first_bake.package_hash
    error_message = "An unchanged configuration must keep the update trigger."
  }
}

run "changed_issuer_bakes_a_new_package" {
  variables {
    package_output_path = ".terraform/tf-test-baked-3.zip"
    issuer              = "urn:tf-test:another-api"
  }

  assert {
    condition     = filesha256(output.package_path) != filesha256(run.first_bake.package_path)
    error_message = "A configuration change must change the baked package."
  }

  assert {
    condition     = output.package_hash != run.first_bake.package_hash
    error_message = "A configuration change must change the update trigger, so that a new version is published."
  }
}

run "added_key_changes_the_update_trigger" {
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
    condition     = output.package_hash != run.first_bake.package_hash
    error_message = "Trusting another key must change the update trigger."
  }
}
