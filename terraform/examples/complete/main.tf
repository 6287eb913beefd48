# A production-like root module: every part of the composition configured, the way an infra
# team deploys it (see README.md). Copy this directory, change the names, fill in the backend.

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# Lambda@Edge functions (and ACM certificates for CloudFront) exist only in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.tags
  }
}

locals {
  tags = {
    project     = "uploads"
    environment = "production"
    owner       = "platform-team"
  }
}

module "uploads" {
  source = "../.."
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name        = "acme-uploads"
  bucket_name = "acme-prod-user-uploads-eu-west-1"

  packages = {
    upload_api_zip = var.upload_api_package
    verifier_zip   = var.verifier_package
    edge_auth_zip  = var.edge_auth_package
  }

  allowed_origins = ["https://app.acme.example"]

  # Your identity provider (here: a Cognito user pool).
  identity_provider = {
    issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE1"
    audience = "4example0clientid0abcdefgh"
    jwks_url = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE1/.well-known/jwks.json"
  }

  uploads = {
    max_bytes               = 10485760
    presign_expires_seconds = 300
    # Active types (image/svg+xml, HTML, XML, script) are refused unless opted in: served from the
    # CDN they run script on its hostname (terraform/README.md "Active content"). Keep false.
    allow_active_content = false
  }

  downloads = {
    access = "owner"
    # Name the signing key's administrators instead of the account root; they must exist before
    # the apply (KMS refuses a policy naming unknown principals):
    # signing_key_admin_arns = ["arn:aws:iam::111122223333:role/platform-admin"]
  }

  rate_limit = {
    max_requests   = 30
    window_seconds = 60
    # A customer-managed key for the counters' table (default: the AWS-owned key, no KMS requests):
    # table_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
  }

  # Overwritten or deleted objects: old versions expire after 30 days, at most 3 kept per key.
  bucket_versions = {
    noncurrent_days           = 30
    newer_noncurrent_versions = 3
  }

  api = {
    throttling_rate_limit  = 100
    throttling_burst_limit = 200
    # Access logs need the region's account-wide API Gateway CloudWatch role, which this stack
    # never owns (terraform/APPLY.md: the once-per-region bootstrap). Once
    # `aws apigateway get-account` shows a cloudwatchRoleArn, set:
    # account_has_cloudwatch_role = true
  }

  cdn = {
    origin_access       = "oai"
    price_class         = "PriceClass_100"
    aliases             = ["media.acme.example"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    # web_acl_arn                   = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/acme-cdn/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    # access_log_bucket_domain_name = "acme-cdn-logs.s3.amazonaws.com"
  }

  logging = {
    retention_days = 365
  }

  # Alarms need a topic that exists (your on-call's); without one only the dashboard is made.
  monitoring = {
    # alarm_topic_arn      = "arn:aws:sns:eu-west-1:111122223333:ops-alerts"
    dashboard              = true
    cdn_additional_metrics = true
    thresholds = {
      api_5xx_percent    = 1
      api_latency_p99_ms = 3000
    }
  }
}
