# The Lambda@Edge function, with mocked providers.

mock_provider "aws" {}

mock_provider "aws" {
  alias = "us_east_1"

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  name                = "tf-test-edge-auth"
  package_zip         = ".terraform/tf-test-built-edge_auth.zip"
  package_output_path = ".terraform/tf-test-edge_auth.zip"
  issuer              = "urn:tf-test:upload-api"
  audience            = "urn:tf-test:cdn"
  signing_keys = [{
    kid = "1234abcd-12ab-34cd-56ef-1234567890ab"
    pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"
  }]
  owner_keys = ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="]
}

# A real (tiny) zip for package_zip: the runs that apply bake it for real (terraform_data.package).
run "built_package" {
  command = plan

  module {
    source = "../../tests/fixtures/built_edge_package"
  }

  variables {
    output_path = ".terraform/tf-test-built-edge_auth.zip"
  }
}

run "edge_function_obeys_lambda_at_edge_rules" {
  command = apply

  assert {
    condition     = aws_lambda_function.edge_auth.region == "us-east-1"
    error_message = "Lambda@Edge functions must live in us-east-1."
  }

  assert {
    condition     = aws_lambda_function.edge_auth.timeout <= 5 && aws_lambda_function.edge_auth.memory_size == 128
    error_message = "Viewer triggers allow at most 5 s; 128 MB is the viewer-trigger size."
  }

  assert {
    condition     = aws_lambda_function.edge_auth.publish
    error_message = "CloudFront needs a published, numbered version."
  }

  assert {
    condition     = length(aws_lambda_function.edge_auth.environment) == 0
    error_message = "Lambda@Edge forbids environment variables."
  }

  assert {
    condition = toset(jsondecode(aws_iam_role.edge_auth.assume_role_policy).Statement[0].Principal.Service) == toset([
      "lambda.amazonaws.com", "edgelambda.amazonaws.com",
    ])
    error_message = "The role must trust both lambda.amazonaws.com and edgelambda.amazonaws.com."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.edge_auth_logs.policy).Statement :
      alltrue([for a in s.Action : startswith(a, "logs:")]) &&
      alltrue([for r in s.Resource : startswith(r, "arn:aws:logs:*:123456789012:log-group:/aws/lambda/us-east-1.${aws_lambda_function.edge_auth.function_name}")])
    ])
    error_message = "The edge role may only write its own log group, in any region."
  }

  assert {
    condition     = aws_cloudwatch_log_group.us_east_1.name == "/aws/lambda/us-east-1.${aws_lambda_function.edge_auth.function_name}"
    error_message = "The log group must be the one Lambda@Edge writes to."
  }

  assert {
    condition     = output.config.keys == [{ kid = "1234abcd-12ab-34cd-56ef-1234567890ab", pem = var.signing_keys[0].pem }]
    error_message = "The baked config must trust exactly the given signing key, by kid."
  }

  assert {
    condition = (
      output.config.issuer == "urn:tf-test:upload-api" && output.config.audience == "urn:tf-test:cdn" &&
      output.config.query_param == "authorization" && output.config.cookie_name == "cdn_token" &&
      output.config.idp == null
    )
    error_message = "The baked config must carry issuer, audience and the token's parameter and cookie names."
  }
}

run "identity_provider_keys_keep_only_their_members" {
  command = apply

  variables {
    identity_provider = {
      issuer   = "https://idp.example.com/"
      audience = "app"
      keys     = [{ kid = "idp-1", n = "AQAB-modulus", e = "AQAB" }]
    }
  }

  assert {
    condition     = output.config.idp.keys == [{ kid = "idp-1", n = "AQAB-modulus", e = "AQAB" }] && output.config.idp.owner_claim == "sub"
    error_message = "IdP keys must be baked as {kid, n, e} without null members, owner_claim defaulting to sub."
  }
}

run "owner_keys_are_baked_with_the_identity_provider_rule_only" {
  command = plan

  variables {
    identity_provider = {
      issuer   = "https://idp.example.com/"
      audience = "app"
      keys     = [{ kid = "idp-1", n = "AQAB-modulus", e = "AQAB" }]
    }
    owner_keys = ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"]
  }

  assert {
    condition     = nonsensitive(output.config.idp.owner_keys) == tolist(["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"])
    error_message = "The identity-provider rule must be baked with every owner key, current first."
  }
}

run "no_owner_key_is_baked_without_the_identity_provider_rule" {
  command = plan

  assert {
    condition     = output.config.idp == null && !strcontains(jsonencode(output.config), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    error_message = "Without identity_provider the edge needs no owner key, and none may be baked."
  }
}

run "identity_provider_without_owner_keys_is_refused" {
  command = plan

  variables {
    identity_provider = {
      issuer   = "https://idp.example.com/"
      audience = "app"
      keys     = [{ kid = "idp-1", n = "AQAB-modulus", e = "AQAB" }]
    }
    owner_keys = []
  }

  expect_failures = [var.owner_keys]
}

run "owner_key_of_31_bytes_is_refused" {
  command = plan

  variables {
    owner_keys = ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="]
  }

  expect_failures = [var.owner_keys]
}

run "unpadded_owner_key_is_refused" {
  command = plan

  variables {
    owner_keys = ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"]
  }

  expect_failures = [var.owner_keys]
}

run "package_that_may_outgrow_the_limit_is_refused" {
  command = plan

  variables {
    # ~280 KB of keys: stored at up to 4 bytes a character, the plan-time bound exceeds 1 MiB.
    signing_keys = [for i in range(200) : {
      kid = "key-${i}"
      pem = "-----BEGIN PUBLIC KEY-----\n${replace(format("%01400d", 0), "0", "A")}\n-----END PUBLIC KEY-----\n"
    }]
  }

  expect_failures = [aws_lambda_function.edge_auth]
}

run "timeout_above_five_seconds_is_rejected" {
  command = plan

  variables {
    timeout_seconds = 6
  }

  expect_failures = [var.timeout_seconds]
}

run "missing_package_zip_is_rejected" {
  command = plan

  variables {
    package_zip = "../../tests/fixtures/does-not-exist.zip"
  }

  expect_failures = [var.package_zip]
}

run "signing_keys_cannot_be_empty" {
  command = plan

  variables {
    signing_keys = []
  }

  expect_failures = [var.signing_keys]
}

# The parser refuses an empty owner_claim (lambda_src/edge_auth/config.py); so must Terraform.
run "empty_owner_claim_is_rejected" {
  command = plan

  variables {
    identity_provider = {
      issuer      = "https://idp.example.com/"
      audience    = "app"
      owner_claim = ""
      keys        = [{ kid = "idp-1", n = "AQAB-modulus", e = "AQAB" }]
    }
  }

  expect_failures = [var.identity_provider]
}

# Item 3: a kept function (skip_destroy) must not block the next instance's apply.
run "kept_function_gets_an_instance_name" {
  command = plan

  assert {
    condition     = can(regex("^tf-test-edge-auth-[0-9]{10}$", aws_lambda_function.edge_auth.function_name))
    error_message = "With skip_destroy the function name must carry a per-instance suffix (re-apply after destroy)."
  }
}

run "deleted_function_keeps_the_plain_name" {
  command = plan

  variables {
    skip_destroy = false
  }

  assert {
    condition     = aws_lambda_function.edge_auth.function_name == "tf-test-edge-auth"
    error_message = "Without skip_destroy the plain name is reused safely."
  }
}
