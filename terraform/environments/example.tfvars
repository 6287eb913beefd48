# A realistic production configuration. Copy it, change the names, and read
# terraform/README.md "Apply to a real account" first.

name        = "acme-uploads"
region      = "eu-west-1"
bucket_name = "acme-prod-user-uploads-eu-west-1"

allowed_origins = ["https://app.acme.example"]

# Your identity provider (here: a Cognito user pool).
user_jwt_issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE1"
user_jwt_audience = "4example0clientid0abcdefgh"
user_jwks_url     = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE1/.well-known/jwks.json"

max_upload_bytes        = 10485760
presign_expires_seconds = 300
download_access         = "owner"

rate_limit_max_requests    = 30
rate_limit_window_seconds  = 60
api_throttling_rate_limit  = 100
api_throttling_burst_limit = 200

# Only if this region's API Gateway account settings have no CloudWatch role yet
# (`aws apigateway get-account`): it is shared by every REST API in the region.
create_api_gateway_account_role = true

origin_access           = "oai"
price_class             = "PriceClass_100"
cdn_aliases             = ["media.acme.example"]
cdn_acm_certificate_arn = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
# cdn_web_acl_arn                 = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/acme-cdn/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
# cdn_access_log_bucket_domain_name = "acme-cdn-logs.s3.amazonaws.com"

log_retention_days = 365

tags = {
  project     = "uploads"
  environment = "production"
  owner       = "platform-team"
}
