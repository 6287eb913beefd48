data "aws_region" "current" {}

locals {
  # OAI cannot sign requests to buckets in regions launched after December 2022; these are
  # the regions it works in (anything newer, or unknown here, must use OAC).
  oai_regions = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
    "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-central-2", "eu-west-1",
    "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "me-south-1", "me-central-1",
    "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
  ]
  bucket_region = data.aws_region.current.region

  uploads_objects_arn = "${aws_s3_bucket.uploads.arn}/${var.uploads_prefix}*"

  # OAI: CloudFront presents itself as the OAI's IAM user. OAC: as the CloudFront
  # service, and only for this distribution (confused-deputy guard via AWS:SourceArn).
  # An object indexed by mode, because the two statements differ in shape.
  cdn_read_statements = {
    oai = {
      Sid       = "CdnReadsUploadsViaOai"
      Effect    = "Allow"
      Principal = { AWS = var.cdn_access.oai_iam_arn }
      Action    = "s3:GetObject"
      Resource  = local.uploads_objects_arn
    }
    oac = {
      Sid       = "CdnReadsUploadsViaOac"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = local.uploads_objects_arn
      Condition = { StringEquals = { "AWS:SourceArn" = var.cdn_access.distribution_arn } }
    }
  }
}

resource "aws_s3_bucket" "uploads" {
  #checkov:skip=CKV_AWS_18:Reads go through CloudFront (its access logs are an input of the cdn module) and the API logs every presigned key; a log bucket is the operator's choice.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice for the operator, not part of the upload path.
  #checkov:skip=CKV2_AWS_62:The bucket's one notification configuration belongs to modules/verification (ObjectCreated on the quarantine prefix -> its queue), which is wired to this bucket by the composition.
  #checkov:skip=CKV_AWS_145:SSE-S3 on purpose: an OAI cannot read SSE-KMS objects, and OAI is the default CDN access mode.

  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    # Bounded twice: by age, and to a few newer versions per key.
    noncurrent_version_expiration {
      noncurrent_days           = var.noncurrent_version_expiration_days
      newer_noncurrent_versions = var.newer_noncurrent_versions
    }
  }

  # Uploads that were never verified (see modules/verification) do not stay forever.
  rule {
    id     = "expire-abandoned-quarantine"
    status = "Enabled"

    filter {
      prefix = var.quarantine_prefix
    }

    expiration {
      days = var.quarantine_retention_days
    }
  }

  # Rejected uploads are kept a short while for inspection, then expire. Disabled (not absent)
  # when none are kept, so that turning it on later is an in-place change.
  rule {
    id     = "expire-rejected"
    status = var.rejected_retention_days > 0 ? "Enabled" : "Disabled"

    filter {
      prefix = var.rejected_prefix
    }

    expiration {
      days = max(var.rejected_retention_days, 1)
    }
  }

  # A delete leaves a marker; once its noncurrent versions have expired, remove it too.
  rule {
    id     = "expire-delete-markers"
    status = "Enabled"

    filter {}

    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.uploads]
}

resource "aws_s3_bucket_cors_configuration" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  cors_rule {
    allowed_origins = var.allowed_origins
    # DELETE: a browser's abort of a multipart upload (Uppy's presigned AbortMultipartUpload).
    # CORS grants nothing by itself: every write or delete still needs a presigned URL.
    allowed_methods = ["GET", "HEAD", "PUT", "POST", "DELETE"]
    allowed_headers = var.cors_allowed_headers
    # Without these, browsers hide the headers from scripts: ETag confirms a PUT or a part,
    # Location names the object after a presigned POST, x-amz-checksum-sha256 is what S3 stored.
    expose_headers  = ["ETag", "Location", "x-amz-checksum-sha256"]
    max_age_seconds = var.cors_max_age_seconds
  }
}

resource "aws_s3_bucket_policy" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.uploads.arn, "${aws_s3_bucket.uploads.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      local.cdn_read_statements[var.cdn_access.type],
    ]
  })

  # The public access block must exist first, or a policy race could briefly expose the bucket.
  depends_on = [aws_s3_bucket_public_access_block.uploads]

  lifecycle {
    precondition {
      condition     = var.cdn_access.type != "oai" || contains(local.oai_regions, local.bucket_region)
      error_message = "origin_access = \"oai\" does not work with buckets in ${local.bucket_region} (regions launched after December 2022 support only origin access control): set origin_access = \"oac\"."
    }
  }
}
