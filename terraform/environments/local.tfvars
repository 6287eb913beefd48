# The local stack (make up): LocalStack + the project's API Gateway and CloudFront adapters,
# provisioned from `make tf-plan-json ENV=local`. Nothing here is a secret: the dev token
# issuer generates its key pair at start-up and serves only the public half.

name        = "uploads-local"
region      = "us-east-1"
bucket_name = "uploads-local"

# The web demo, by both loopback names (browsers treat them as different origins).
allowed_origins = ["http://localhost:4583", "http://127.0.0.1:4583"]

# The dev token issuer the harness runs on 127.0.0.1:4582.
user_jwt_issuer   = "http://127.0.0.1:4582"
user_jwt_audience = "uploads-local"
user_jwks_url     = "http://127.0.0.1:4582/.well-known/jwks.json"

# Small enough that a test can hit the limit quickly.
rate_limit_max_requests   = 10
rate_limit_window_seconds = 60

api_stage_name     = "local"
log_retention_days = 1
log_level          = "DEBUG"

# Emulated resources: let `make down` clean up without manual steps.
force_destroy_bucket     = true
edge_skip_destroy        = false
kms_deletion_window_days = 7

tags = {
  project     = "s3-uploads-cdn"
  environment = "local"
}
