# The distribution, with mocked providers.

mock_provider "aws" {}

variables {
  name                        = "tf-test"
  bucket_regional_domain_name = "tf-test-uploads.s3.eu-west-1.amazonaws.com"
  edge_function_qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:tf-test-edge-auth:7"
}

run "oai_distribution_authorizes_at_the_edge" {
  command = apply

  assert {
    condition = [for a in one(aws_cloudfront_distribution.uploads.default_cache_behavior).lambda_function_association : [a.event_type, a.lambda_arn, a.include_body]] == [
      ["viewer-request", "arn:aws:lambda:us-east-1:123456789012:function:tf-test-edge-auth:7", false],
    ]
    error_message = "The one association must be viewer-request on the qualified ARN, without the body."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.uploads.default_cache_behavior).viewer_protocol_policy == "redirect-to-https"
    error_message = "Viewers must be redirected to HTTPS."
  }

  assert {
    condition = (
      one(one(aws_cloudfront_cache_policy.uploads.parameters_in_cache_key_and_forwarded_to_origin).query_strings_config).query_string_behavior == "none" &&
      one(one(aws_cloudfront_cache_policy.uploads.parameters_in_cache_key_and_forwarded_to_origin).cookies_config).cookie_behavior == "none"
    )
    error_message = "The cache key must include neither query string nor cookies (where tokens travel)."
  }

  assert {
    condition     = length(aws_cloudfront_origin_access_identity.uploads) == 1 && length(aws_cloudfront_origin_access_control.uploads) == 0
    error_message = "OAI must be the default origin access."
  }

  assert {
    condition     = one(one(aws_cloudfront_distribution.uploads.origin).s3_origin_config).origin_access_identity == aws_cloudfront_origin_access_identity.uploads[0].cloudfront_access_identity_path
    error_message = "The S3 origin must be read through the OAI."
  }
}

run "oac_distribution_signs_origin_requests" {
  command = apply

  variables {
    origin_access = "oac"
  }

  assert {
    condition     = length(aws_cloudfront_origin_access_identity.uploads) == 0 && one(aws_cloudfront_distribution.uploads.origin).origin_access_control_id == aws_cloudfront_origin_access_control.uploads[0].id
    error_message = "OAC mode must use the origin access control and no OAI."
  }

  assert {
    condition     = aws_cloudfront_origin_access_control.uploads[0].signing_behavior == "always"
    error_message = "OAC must sign every origin request."
  }
}

run "custom_domain_requires_tls12" {
  command = apply

  variables {
    aliases             = ["cdn.example.com"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-0000-0000-000000000000"
  }

  assert {
    condition     = startswith(one(aws_cloudfront_distribution.uploads.viewer_certificate).minimum_protocol_version, "TLSv1.2") && output.cdn_url == "https://cdn.example.com"
    error_message = "A custom domain must require TLS 1.2+ and be the CDN URL."
  }
}

run "unqualified_edge_arn_is_rejected" {
  command = plan

  variables {
    edge_function_qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:tf-test-edge-auth"
  }

  expect_failures = [var.edge_function_qualified_arn]
}

run "latest_edge_version_is_rejected" {
  command = plan

  variables {
    edge_function_qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:tf-test-edge-auth:$LATEST"
  }

  expect_failures = [var.edge_function_qualified_arn]
}

run "unknown_origin_access_is_rejected" {
  command = plan

  variables {
    origin_access = "public"
  }

  expect_failures = [var.origin_access]
}

run "alias_without_certificate_is_rejected" {
  command = plan

  variables {
    aliases = ["cdn.example.com"]
  }

  expect_failures = [var.acm_certificate_arn]
}

# Item 7: every CDN response forbids active content and MIME sniffing, overriding S3's headers.
run "every_response_is_sandboxed_and_nosniff" {
  command = apply

  assert {
    condition = (
      one(one(aws_cloudfront_response_headers_policy.security_headers.security_headers_config).content_security_policy).content_security_policy == "default-src 'none'; sandbox"
      && one(one(aws_cloudfront_response_headers_policy.security_headers.security_headers_config).content_security_policy).override
      && one(one(aws_cloudfront_response_headers_policy.security_headers.security_headers_config).content_type_options).override
    )
    error_message = "The response headers policy must send CSP default-src 'none'; sandbox and nosniff, both with override on."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.uploads.default_cache_behavior).response_headers_policy_id == aws_cloudfront_response_headers_policy.security_headers.id
    error_message = "The default behaviour must use the security headers policy."
  }
}
