# Security properties of the uploads bucket, with mocked providers.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { region = "eu-west-1" }
  }
}

variables {
  bucket_name     = "tf-test-uploads"
  allowed_origins = ["https://app.example.com", "http://localhost:4583"]
  cdn_access = {
    type        = "oai"
    oai_iam_arn = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE"
  }
}

run "oai_bucket_is_private_and_tls_only" {
  command = apply

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.uploads.block_public_acls,
      aws_s3_bucket_public_access_block.uploads.block_public_policy,
      aws_s3_bucket_public_access_block.uploads.ignore_public_acls,
      aws_s3_bucket_public_access_block.uploads.restrict_public_buckets,
    ])
    error_message = "All four block-public-access flags must be true."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.uploads.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.uploads.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Default encryption must be on (SSE-S3, which an OAI can read)."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_s3_bucket_policy.uploads.policy).Statement : s
      if s.Effect == "Deny" && s.Action == "s3:*" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"
    ]) == 1
    error_message = "The bucket policy must deny every request made without TLS."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_s3_bucket_policy.uploads.policy).Statement :
      !contains(flatten([try(values(s.Principal), [s.Principal])]), "*")
      if s.Effect == "Allow"
    ])
    error_message = "No Allow statement may have a '*' principal."
  }

  assert {
    condition = [
      for s in jsondecode(aws_s3_bucket_policy.uploads.policy).Statement : [s.Principal.AWS, s.Action, s.Resource]
      if s.Effect == "Allow"
      ] == [[
        "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE",
        "s3:GetObject",
        "${aws_s3_bucket.uploads.arn}/uploads/*",
    ]]
    error_message = "The only grant must be s3:GetObject on uploads/* to the CDN's OAI."
  }

  assert {
    condition     = !anytrue([for rule in aws_s3_bucket_cors_configuration.uploads.cors_rule : anytrue([for o in rule.allowed_origins : strcontains(o, "*")])])
    error_message = "CORS must never allow a '*' origin."
  }

  assert {
    condition = alltrue([for rule in aws_s3_bucket_cors_configuration.uploads.cors_rule :
      toset(rule.allowed_methods) == toset(["GET", "HEAD", "PUT", "POST", "DELETE"]) &&
      toset(rule.expose_headers) == toset(["ETag", "Location", "x-amz-checksum-sha256"])
    ])
    error_message = "CORS must allow exactly GET/HEAD/PUT/POST/DELETE (DELETE: a browser aborting a presigned multipart upload) and expose ETag, Location and x-amz-checksum-sha256."
  }

  assert {
    condition = anytrue([for rule in aws_s3_bucket_lifecycle_configuration.uploads.rule :
      rule.status == "Enabled" && try(one(rule.abort_incomplete_multipart_upload).days_after_initiation, 0) == 1
    ])
    error_message = "Incomplete multipart uploads must be aborted after a day."
  }
}

run "oac_grant_is_bound_to_the_distribution" {
  command = apply

  variables {
    cdn_access = {
      type             = "oac"
      distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
    }
  }

  assert {
    condition = [
      for s in jsondecode(aws_s3_bucket_policy.uploads.policy).Statement : [s.Principal, s.Action, s.Condition]
      if s.Effect == "Allow"
      ] == [[
        { Service = "cloudfront.amazonaws.com" },
        "s3:GetObject",
        { StringEquals = { "AWS:SourceArn" = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE" } },
    ]]
    error_message = "In OAC mode only CloudFront, for this one distribution, may read."
  }
}

run "wildcard_origin_is_rejected" {
  command = plan

  variables {
    allowed_origins = ["*"]
  }

  expect_failures = [var.allowed_origins]
}

run "wildcard_subdomain_origin_is_rejected" {
  command = plan

  variables {
    allowed_origins = ["https://*.example.com"]
  }

  expect_failures = [var.allowed_origins]
}

run "empty_origins_are_rejected" {
  command = plan

  variables {
    allowed_origins = []
  }

  expect_failures = [var.allowed_origins]
}

run "oai_mode_without_identity_is_rejected" {
  command = plan

  variables {
    cdn_access = { type = "oai" }
  }

  expect_failures = [var.cdn_access]
}

run "cdn_never_reads_quarantine_or_rejected" {
  command = apply

  variables {
    cdn_access = {
      type             = "oac"
      distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
    }
  }

  assert {
    condition = [
      for s in jsondecode(aws_s3_bucket_policy.uploads.policy).Statement : s.Resource if s.Effect == "Allow"
    ] == ["${aws_s3_bucket.uploads.arn}/uploads/*"]
    error_message = "The CDN may read the published prefix only: quarantined and rejected objects are never served."
  }

  assert {
    condition     = output.quarantine_prefix == "quarantine/" && output.rejected_prefix == "rejected/"
    error_message = "The default quarantine and rejected prefixes are quarantine/ and rejected/."
  }

  assert {
    condition = [
      for rule in aws_s3_bucket_lifecycle_configuration.uploads.rule : [rule.status, one(rule.filter).prefix, one(rule.expiration).days]
      if contains(["expire-abandoned-quarantine", "expire-rejected"], rule.id)
    ] == [["Enabled", "quarantine/", 7], ["Enabled", "rejected/", 7]]
    error_message = "Abandoned quarantined objects and kept rejected ones must both expire (7 days by default)."
  }
}

run "rejected_objects_not_kept" {
  command = apply

  variables {
    rejected_retention_days = 0
  }

  assert {
    condition     = output.rejected_prefix == ""
    error_message = "With rejected_retention_days = 0 the rejected prefix is empty: the verifier deletes rejected objects."
  }

  assert {
    condition     = [for rule in aws_s3_bucket_lifecycle_configuration.uploads.rule : rule.status if rule.id == "expire-rejected"] == ["Disabled"]
    error_message = "The rejected-prefix lifecycle rule is disabled when nothing is kept there."
  }
}

run "quarantine_prefix_equal_to_uploads_is_rejected" {
  command = plan

  variables {
    quarantine_prefix = "uploads/"
  }

  expect_failures = [var.quarantine_prefix]
}

run "rejected_prefix_equal_to_quarantine_is_rejected" {
  command = plan

  variables {
    rejected_prefix = "quarantine/"
  }

  expect_failures = [var.rejected_prefix]
}
