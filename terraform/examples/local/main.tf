# What the local stack plans (`make tf-plan-json ENV=local`, then `make up`): LocalStack + the
# project's API Gateway and CloudFront adapters provision from this plan. Nothing here is a
# secret: the dev token issuer generates its key pair at start-up and serves only the public half.

provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = local.tags
  }
}

# Lambda@Edge functions exist only in us-east-1 (here the same region as everything else).
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.tags
  }
}

locals {
  tags = {
    project     = "s3-uploads-cdn"
    environment = "local"
  }
}

module "uploads" {
  source = "../.."
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name        = "uploads-local"
  bucket_name = "uploads-local"

  # The packages `make build` writes into the repository's build/lambda/ (variables.tf).
  packages = {
    upload_api_zip = var.upload_api_package
    verifier_zip   = var.verifier_package
    edge_auth_zip  = var.edge_auth_package
  }

  # The web demo, by both loopback names (browsers treat them as different origins).
  allowed_origins = ["http://localhost:4583", "http://127.0.0.1:4583"]

  # The dev token issuer the harness runs on 127.0.0.1:4582.
  identity_provider = {
    issuer   = "http://127.0.0.1:4582"
    audience = "uploads-local"
    jwks_url = "http://127.0.0.1:4582/.well-known/jwks.json"
  }

  # Small enough that a test can hit the limit quickly.
  rate_limit = {
    max_requests   = 10
    window_seconds = 60
  }

  api = {
    stage_name = "local"
  }

  # A short function timeout gives a short visibility timeout (6 x): a message the verifier
  # failed on comes back within a minute, and reaches the dead-letter queue after 3 receives.
  verification = {
    timeout_seconds   = 10
    max_receive_count = 3
  }

  logging = {
    retention_days = 1
    level          = "DEBUG"
  }

  # Emulated resources: let `make down` clean up without manual steps.
  force_destroy_bucket = true
  cdn = {
    edge_skip_destroy = false
  }
  downloads = {
    signing_key_deletion_window_days = 7
  }
}
