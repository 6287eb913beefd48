locals {
  uploads_prefix          = "uploads/"
  download_token_issuer   = coalesce(var.download_token_issuer, "urn:${var.name}:upload-api")
  download_token_audience = coalesce(var.download_token_audience, "urn:${var.name}:cdn")
  upload_api_package_path = coalesce(var.upload_api_package_path, "${path.module}/../build/lambda/upload_api.zip")
  edge_package_dir        = coalesce(var.edge_package_dir, "${path.module}/../build/lambda/edge_auth")
}

module "storage" {
  source = "./modules/storage"

  bucket_name     = var.bucket_name
  uploads_prefix  = local.uploads_prefix
  allowed_origins = var.allowed_origins
  force_destroy   = var.force_destroy_bucket
  cdn_access = {
    type             = var.origin_access
    oai_iam_arn      = module.cdn.oai_iam_arn
    distribution_arn = module.cdn.distribution_arn
  }
}

module "upload_api" {
  source = "./modules/upload_api"

  name                       = var.name
  package_path               = local.upload_api_package_path
  bucket_name                = module.storage.bucket_name
  bucket_arn                 = module.storage.bucket_arn
  uploads_prefix             = local.uploads_prefix
  max_upload_bytes           = var.max_upload_bytes
  allowed_content_types      = var.allowed_content_types
  presign_expires_seconds    = var.presign_expires_seconds
  download_token_ttl_seconds = var.download_token_ttl_seconds
  download_token_issuer      = local.download_token_issuer
  download_token_audience    = local.download_token_audience
  download_access            = var.download_access
  cdn_url                    = module.cdn.cdn_url
  user_jwt_issuer            = var.user_jwt_issuer
  user_jwt_audience          = var.user_jwt_audience
  user_jwks_url              = var.user_jwks_url
  user_jwks_json             = var.user_jwks_json
  user_jwt_algorithms        = var.user_jwt_algorithms
  allowed_origins            = var.allowed_origins
  rate_limit_max_requests    = var.rate_limit_max_requests
  rate_limit_window_seconds  = var.rate_limit_window_seconds
  stage_name                 = var.api_stage_name
  throttling_rate_limit      = var.api_throttling_rate_limit
  throttling_burst_limit     = var.api_throttling_burst_limit
  log_retention_days         = var.log_retention_days
  log_level                  = var.log_level
  kms_deletion_window_days   = var.kms_deletion_window_days
}

# The public half of the signing key, read back from KMS and baked into the edge function.
data "aws_kms_public_key" "signing" {
  key_id = module.upload_api.signing_key_arn
}

module "edge_auth" {
  source = "./modules/edge_auth"
  providers = {
    aws.us_east_1 = aws.us_east_1
  }

  name        = "${var.name}-edge-auth"
  package_dir = local.edge_package_dir
  issuer      = local.download_token_issuer
  audience    = local.download_token_audience
  signing_keys = concat(
    [{ kid = module.upload_api.signing_key_id, pem = data.aws_kms_public_key.signing.public_key_pem }],
    var.additional_trusted_keys,
  )
  identity_provider = var.edge_accepts_user_tokens ? {
    issuer      = var.user_jwt_issuer
    audience    = var.user_jwt_audience
    owner_claim = "sub"
    keys        = var.edge_user_jwt_keys
  } : null
  uploads_prefix     = local.uploads_prefix
  log_retention_days = var.log_retention_days
  skip_destroy       = var.edge_skip_destroy
}

module "cdn" {
  source = "./modules/cdn"

  name                          = var.name
  origin_access                 = var.origin_access
  bucket_regional_domain_name   = module.storage.bucket_regional_domain_name
  edge_function_qualified_arn   = module.edge_auth.qualified_arn
  price_class                   = var.price_class
  aliases                       = var.cdn_aliases
  acm_certificate_arn           = var.cdn_acm_certificate_arn
  web_acl_arn                   = var.cdn_web_acl_arn
  access_log_bucket_domain_name = var.cdn_access_log_bucket_domain_name
}
