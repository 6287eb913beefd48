locals {
  origin_id = "uploads-bucket"
  use_oai   = var.origin_access == "oai"
}

resource "aws_cloudfront_origin_access_identity" "uploads" {
  count = local.use_oai ? 1 : 0

  comment = "${var.name}: reads the uploads prefix of the bucket"
}

resource "aws_cloudfront_origin_access_control" "uploads" {
  count = local.use_oai ? 0 : 1

  name                              = "${var.name}-uploads"
  description                       = "${var.name}: reads the uploads prefix of the bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# The token rides in the query string, a header or a cookie, and the edge has already
# checked it: none of those may split the cache or reach S3. Origin does, because S3's
# CORS answer echoes it and differs per allowed origin.
resource "aws_cloudfront_cache_policy" "uploads" {
  name        = "${var.name}-uploads"
  comment     = "Keyed on the path and the CORS request headers only; never on tokens."
  min_ttl     = 0
  default_ttl = var.default_ttl_seconds
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }

    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
      }
    }

    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_origin_request_policy" "s3_cors" {
  name    = "${var.name}-uploads-cors"
  comment = "Forwards the CORS request headers to S3 and nothing else (no cookies, no query string)."

  cookies_config {
    cookie_behavior = "none"
  }

  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
    }
  }

  query_strings_config {
    query_string_behavior = "none"
  }
}

resource "aws_cloudfront_response_headers_policy" "security_headers" {
  #checkov:skip=CKV_AWS_259:HSTS is enforced (1 year, subdomains); "preload" is a commitment for the operator's apex domain, not for a CDN host.
  name    = "${var.name}-uploads-security"
  comment = "Security headers for user-supplied files: no MIME sniffing, no framing, HTTPS only."

  security_headers_config {
    content_type_options {
      override = true
    }

    # Uploaded files are data, never a document: nothing in them may run, load or navigate,
    # whatever Content-Type S3 stored.
    content_security_policy {
      content_security_policy = "default-src 'none'; sandbox"
      override                = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }

    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      override                   = true
    }
  }
}

resource "aws_cloudfront_distribution" "uploads" {
  #checkov:skip=CKV_AWS_68:WAF is optional (web_acl_arn): every request already needs a valid short-lived token checked at the edge.
  #checkov:skip=CKV_AWS_86:Access logging is optional (access_log_bucket_domain_name); it needs an ACL-enabled bucket the operator owns.
  #checkov:skip=CKV_AWS_174:TLS 1.2+ is enforced whenever a custom certificate is set; the cloudfront.net certificate's policy is fixed by AWS.
  #checkov:skip=CKV2_AWS_42:A custom certificate is optional (aliases + acm_certificate_arn); the cloudfront.net certificate is valid HTTPS.
  #checkov:skip=CKV2_AWS_47:No WAF by default (see CKV_AWS_68); an attached web ACL is the operator's to configure.
  #checkov:skip=CKV_AWS_310:A single private bucket is the only origin; a failover origin would need a replica bucket.
  #checkov:skip=CKV_AWS_305:The distribution serves uploaded files only; there is no index document to default to.
  #checkov:skip=CKV_AWS_374:Who may read is decided per request by the token, not by the viewer's country.
  enabled         = true
  comment         = "${var.name}: authenticated downloads of user uploads"
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  aliases         = var.aliases
  web_acl_id      = var.web_acl_arn
  tags            = var.tags

  origin {
    origin_id                = local.origin_id
    domain_name              = var.bucket_regional_domain_name
    origin_access_control_id = local.use_oai ? null : aws_cloudfront_origin_access_control.uploads[0].id

    dynamic "s3_origin_config" {
      for_each = local.use_oai ? [aws_cloudfront_origin_access_identity.uploads[0].cloudfront_access_identity_path] : []
      content {
        origin_access_identity = s3_origin_config.value
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD", "OPTIONS"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.uploads.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.s3_cors.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security_headers.id

    # Viewer-request runs before the cache on every request, so a cached object is
    # never served without a valid token. It needs a numbered version, not $LATEST.
    lambda_function_association {
      event_type   = "viewer-request"
      lambda_arn   = var.edge_function_qualified_arn
      include_body = false
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.acm_certificate_arn == null ? "TLSv1" : var.minimum_protocol_version
  }

  dynamic "logging_config" {
    for_each = var.access_log_bucket_domain_name == null ? [] : [var.access_log_bucket_domain_name]
    content {
      bucket          = logging_config.value
      prefix          = var.access_log_prefix
      include_cookies = false
    }
  }
}
