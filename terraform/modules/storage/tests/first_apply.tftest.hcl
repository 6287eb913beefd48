# OAI in newer regions (refused at plan) and lifecycle bounds, with mocked providers.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { region = "eu-west-1" }
  }
}

mock_provider "aws" {
  alias = "new_region"
  mock_data "aws_region" {
    defaults = { region = "ap-southeast-4" }
  }
}

variables {
  bucket_name     = "tf-test-uploads"
  allowed_origins = ["https://app.example.com"]
  cdn_access = {
    type        = "oai"
    oai_iam_arn = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE"
  }
}

run "oai_in_an_older_region_plans" {
  command = plan

  assert {
    condition     = local.bucket_region == "eu-west-1"
    error_message = "The bucket's region must come from the provider."
  }
}

run "oai_in_a_region_after_dec_2022_fails_at_plan" {
  command = plan
  providers = {
    aws = aws.new_region
  }

  expect_failures = [aws_s3_bucket_policy.uploads]
}

run "oac_in_a_region_after_dec_2022_plans" {
  command = plan
  providers = {
    aws = aws.new_region
  }

  variables {
    cdn_access = {
      type             = "oac"
      distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
    }
  }

  assert {
    condition     = aws_s3_bucket.uploads.bucket == "tf-test-uploads"
    error_message = "OAC must plan in any region."
  }
}

run "lifecycle_expires_delete_markers_and_bounds_versions" {
  command = apply

  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.uploads.rule :
      r.status == "Enabled" && try(one(r.expiration).expired_object_delete_marker, false) == true
    ])
    error_message = "Lifecycle must expire delete markers."
  }

  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.uploads.rule :
      r.status == "Enabled" && try(one(r.noncurrent_version_expiration).newer_noncurrent_versions, 0) == 3 && try(one(r.noncurrent_version_expiration).noncurrent_days, 0) > 0
    ])
    error_message = "Noncurrent versions must be bounded by age and by count."
  }
}
