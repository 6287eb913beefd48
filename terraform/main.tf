# The whole system as one module: storage, the upload API, the edge authorizer and the CDN.
# No provider blocks: the caller configures `aws` (the region of the bucket, API and signing
# key) and `aws.us_east_1` (Lambda@Edge) and passes both; see examples/.

locals {
  download_token_issuer   = coalesce(var.downloads.token_issuer, "urn:${var.name}:upload-api")
  download_token_audience = coalesce(var.downloads.token_audience, "urn:${var.name}:cdn")
  owner_key               = var.owner_key != null ? var.owner_key : random_bytes.owner_key[0].base64
}

# The owner key, unless the caller supplies one: 256 random bits, made once and kept in the
# state (which holds the function's environment anyway). The API and the edge get the same value.
resource "random_bytes" "owner_key" {
  # Whether it is set is not secret; the value stays sensitive.
  count  = nonsensitive(var.owner_key == null) ? 1 : 0
  length = 32
}

module "storage" {
  source = "./modules/storage"

  bucket_name     = var.bucket_name
  allowed_origins = var.allowed_origins
  force_destroy   = var.force_destroy_bucket

  noncurrent_version_expiration_days = var.bucket_versions.noncurrent_days
  newer_noncurrent_versions          = var.bucket_versions.newer_noncurrent_versions
  abort_incomplete_multipart_days    = var.bucket_versions.abort_incomplete_multipart_days
  quarantine_retention_days          = var.verification.quarantine_retention_days
  rejected_retention_days            = var.verification.rejected_retention_days

  cdn_access = {
    type             = module.cdn.origin_access
    oai_iam_arn      = module.cdn.oai_iam_arn
    distribution_arn = module.cdn.distribution_arn
  }
}

module "upload_api" {
  source = "./modules/upload_api"

  name                                    = var.name
  package_path                            = var.packages.upload_api_zip
  bucket_name                             = module.storage.bucket_name
  bucket_arn                              = module.storage.bucket_arn
  uploads_prefix                          = module.storage.uploads_prefix
  quarantine_prefix                       = module.storage.quarantine_prefix
  allowed_origins                         = module.storage.allowed_origins
  max_upload_bytes                        = var.uploads.max_bytes
  allowed_content_types                   = var.uploads.content_types
  allow_active_content                    = var.uploads.allow_active_content
  require_sha256                          = var.uploads.require_sha256
  multipart_threshold_bytes               = var.uploads.multipart_threshold_bytes
  max_object_bytes                        = var.uploads.max_object_bytes
  part_size_bytes                         = var.uploads.part_size_bytes
  multipart_expires_seconds               = var.uploads.multipart_expires_seconds
  part_sign_rate_max_requests             = var.rate_limit.part_sign_max_requests
  presign_expires_seconds                 = var.uploads.presign_expires_seconds
  download_token_ttl_seconds              = var.downloads.token_ttl_seconds
  download_token_issuer                   = local.download_token_issuer
  download_token_audience                 = local.download_token_audience
  download_access                         = var.downloads.access
  owner_key                               = local.owner_key
  previous_owner_keys                     = var.previous_owner_keys
  kms_deletion_window_days                = var.downloads.signing_key_deletion_window_days
  kms_admin_arns                          = var.downloads.signing_key_admin_arns
  cdn_url                                 = module.cdn.cdn_url
  user_jwt_issuer                         = var.identity_provider.issuer
  user_jwt_audience                       = var.identity_provider.audience
  user_jwks_url                           = var.identity_provider.jwks_url
  user_jwks_json                          = var.identity_provider.jwks_json
  user_jwt_algorithms                     = var.identity_provider.algorithms
  rate_limit_max_requests                 = var.rate_limit.max_requests
  rate_limit_window_seconds               = var.rate_limit.window_seconds
  dynamodb_kms_key_arn                    = var.rate_limit.table_kms_key_arn
  stage_name                              = var.api.stage_name
  throttling_rate_limit                   = var.api.throttling_rate_limit
  throttling_burst_limit                  = var.api.throttling_burst_limit
  api_gateway_account_has_cloudwatch_role = var.api.account_has_cloudwatch_role
  log_retention_days                      = var.logging.retention_days
  log_level                               = var.logging.level
}

# Quarantine -> queue -> verifier -> published (or rejected).
module "verification" {
  source = "./modules/verification"

  name                             = var.name
  package_path                     = var.packages.verifier_zip
  bucket_name                      = module.storage.bucket_name
  bucket_arn                       = module.storage.bucket_arn
  quarantine_prefix                = module.storage.quarantine_prefix
  published_prefix                 = module.storage.uploads_prefix
  rejected_prefix                  = module.storage.rejected_prefix
  upload_table_name                = module.upload_api.upload_table_name
  upload_table_arn                 = module.upload_api.upload_table_arn
  allowed_content_types            = split(",", module.upload_api.environment.ALLOWED_CONTENT_TYPES)
  max_image_pixels                 = var.verification.max_image_pixels
  memory_size                      = var.verification.memory_size
  timeout_seconds                  = var.verification.timeout_seconds
  visibility_timeout_seconds       = var.verification.visibility_timeout_seconds
  batch_size                       = var.verification.batch_size
  maximum_batching_window_seconds  = var.verification.maximum_batching_window_seconds
  maximum_concurrency              = var.verification.maximum_concurrency
  max_receive_count                = var.verification.max_receive_count
  message_retention_seconds        = var.verification.message_retention_seconds
  log_retention_days               = var.logging.retention_days
  log_level                        = var.logging.level
  metrics_namespace                = module.upload_api.metrics.namespace
  alarm_topic_arn                  = var.monitoring.alarm_topic_arn
  alarm_dead_letter_messages       = var.verification.alarm_dead_letter_messages
  alarm_oldest_message_age_seconds = var.verification.alarm_oldest_message_age_seconds
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

  name              = "${var.name}-edge-auth"
  package_zip       = var.packages.edge_auth_zip
  python_executable = var.packages.python_executable
  issuer            = local.download_token_issuer
  audience          = local.download_token_audience
  signing_keys = concat(
    [{ kid = module.upload_api.signing_key_id, pem = data.aws_kms_public_key.signing.public_key_pem }],
    var.downloads.additional_trusted_keys,
  )
  identity_provider = var.identity_provider.edge == null ? null : {
    issuer      = var.identity_provider.issuer
    audience    = var.identity_provider.edge.audience
    owner_claim = var.identity_provider.edge.owner_claim
    keys        = var.identity_provider.edge.keys
  }
  # Baked only with the identity-provider rule (its one use at the edge).
  owner_keys         = concat([local.owner_key], var.previous_owner_keys)
  uploads_prefix     = module.storage.uploads_prefix
  allowed_origins    = module.storage.allowed_origins
  log_retention_days = var.logging.retention_days
  skip_destroy       = var.cdn.edge_skip_destroy
}

module "cdn" {
  source = "./modules/cdn"

  name                          = var.name
  origin_access                 = var.cdn.origin_access
  bucket_regional_domain_name   = module.storage.bucket_regional_domain_name
  edge_function_qualified_arn   = module.edge_auth.qualified_arn
  price_class                   = var.cdn.price_class
  aliases                       = var.cdn.aliases
  acm_certificate_arn           = var.cdn.acm_certificate_arn
  web_acl_arn                   = var.cdn.web_acl_arn
  access_log_bucket_domain_name = var.cdn.access_log_bucket_domain_name
}

module "monitoring" {
  source = "./modules/monitoring"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                   = var.name
  alarm_topic_arn        = var.monitoring.alarm_topic_arn
  dashboard              = var.monitoring.dashboard
  cdn_additional_metrics = var.monitoring.cdn_additional_metrics
  thresholds             = var.monitoring.thresholds
  api                    = { name = module.upload_api.rest_api_name, stage = module.upload_api.stage_name }
  function_name          = module.upload_api.function_name
  rate_limit_table_name  = module.upload_api.rate_limit_table_name
  business_metrics       = module.upload_api.metrics
  distribution_id        = module.cdn.distribution_id
}
