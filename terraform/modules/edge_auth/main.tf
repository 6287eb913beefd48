data "aws_caller_identity" "current" {
  provider = aws.us_east_1
}

data "aws_partition" "current" {
  provider = aws.us_east_1
}

locals {
  # CloudFront accepts Lambda@Edge functions from us-east-1 only. The resources also pin
  # `region`, so a mistaken alias fails loudly instead of deploying somewhere useless.
  edge_region = "us-east-1"
  max_bytes   = 1048576

  # Baked into the package as edge_auth/config.json (the edge cannot have environment
  # variables). jsonencode sorts keys, so an unchanged config yields an identical zip
  # and no new version; any change yields a new hash and a new published version.
  config = {
    issuer         = var.issuer
    audience       = var.audience
    keys           = [for k in var.signing_keys : { kid = k.kid, pem = k.pem }]
    query_param    = var.query_param
    cookie_name    = var.cookie_name
    leeway_seconds = var.leeway_seconds
    uploads_prefix = var.uploads_prefix
    # Origins whose pages may read the edge's 401/403 (CORS headers on generated responses).
    allowed_origins = var.allowed_origins
    idp = var.identity_provider == null ? null : {
      issuer      = var.identity_provider.issuer
      audience    = var.identity_provider.audience
      owner_claim = var.identity_provider.owner_claim
      # Each key is {kid, pem} or {kid, n, e}: drop the unset members.
      keys = [for k in var.identity_provider.keys : { for member, value in k : member => value if value != null }]
      # The secret that turns owner_claim into the path's owner segment (sensitive).
      owner_keys = var.owner_keys
    }
  }
  config_json = jsonencode(local.config)

  # The function's update trigger: it changes exactly when the code or the configuration does.
  # A SHA-256 over a configuration holding 256-bit secrets, and a length, reveal neither: shown.
  package_hash = nonsensitive(base64sha256(jsonencode({ code = filebase64sha256(var.package_zip), config = local.config_json })))
  # An upper bound of the baked zip, known at plan: the built zip, the configuration stored
  # uncompressed (at most 4 bytes a character), two entry headers.
  package_bytes_bound = nonsensitive(floor(length(filebase64(var.package_zip)) * 3 / 4) + 4 * length(local.config_json) + 256)
  package_path        = coalesce(var.package_output_path, "${path.root}/.terraform/edge_auth.zip")

  # A kept function (skip_destroy) stays in AWS under its name, so each stack instance gets
  # its own: the name plus the minute this instance was first planned (fixed in state).
  function_name = var.skip_destroy ? "${substr(var.name, 0, 53)}-${terraform_data.instance.output}" : var.name
  log_arn       = "arn:${data.aws_partition.current.partition}:logs:*:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/us-east-1.${local.function_name}"
}

# Created once per stack instance; a destroy forgets it, so the re-apply picks a new suffix.
resource "terraform_data" "instance" {
  input = formatdate("YYMMDDhhmm", plantimestamp())

  lifecycle {
    ignore_changes = [input]
  }
}

# The configuration is baked into the built zip at apply time, on the machine that applies
# (bake_package.py, standard library only), so a plan saved on one runner applies on another.
# Re-baked whenever the code, the configuration, the output path or the function's name changes.
resource "terraform_data" "package" {
  triggers_replace = [local.package_hash, local.package_path, local.function_name]
  input            = local.package_path

  provisioner "local-exec" {
    interpreter = [var.python_executable]
    command     = "${path.module}/bake_package.py"
    # Everything travels in the environment: no shell parses paths or JSON.
    environment = {
      EDGE_AUTH_CONFIG  = local.config_json
      EDGE_AUTH_PACKAGE = abspath(var.package_zip)
      EDGE_AUTH_OUTPUT  = local.package_path
    }
  }
}

resource "aws_iam_role" "edge_auth" {
  provider = aws.us_east_1

  name = "${var.name}-role"
  tags = var.tags
  # edgelambda.amazonaws.com runs the replicas; lambda.amazonaws.com runs the origin function.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    }]
  })
}

# Replicas log in whichever region served the request, into /aws/lambda/us-east-1.<name>:
# hence every region, but only that group. Nothing else: the function calls no AWS API.
resource "aws_iam_role_policy" "edge_auth_logs" {
  provider = aws.us_east_1

  name = "logs-in-every-region"
  role = aws_iam_role.edge_auth.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteOwnLogsInEveryRegion"
      Effect   = "Allow"
      Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = [local.log_arn, "${local.log_arn}:*"]
    }]
  })
}

resource "aws_cloudwatch_log_group" "us_east_1" {
  #checkov:skip=CKV_AWS_158:Logs hold no secrets (the function never logs tokens); CloudWatch's default encryption at rest suffices.
  provider = aws.us_east_1
  region   = local.edge_region

  name              = "/aws/lambda/us-east-1.${local.function_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "edge_auth" {
  #checkov:skip=CKV_AWS_50:Lambda@Edge does not support X-Ray tracing.
  #checkov:skip=CKV_AWS_115:Lambda@Edge does not support reserved concurrency; CloudFront scales replicas per region.
  #checkov:skip=CKV_AWS_116:Viewer triggers are synchronous; a failure is the viewer's response, a DLQ would never receive anything.
  #checkov:skip=CKV_AWS_117:Lambda@Edge cannot run in a VPC.
  #checkov:skip=CKV_AWS_173:Lambda@Edge forbids environment variables; configuration is baked into the package.
  #checkov:skip=CKV_AWS_272:Lambda@Edge does not support code signing configurations.
  provider = aws.us_east_1
  region   = local.edge_region

  function_name    = local.function_name
  description      = "Viewer-request JWT check for CDN downloads (config baked into the package)."
  role             = aws_iam_role.edge_auth.arn
  filename         = terraform_data.package.output
  source_code_hash = local.package_hash
  handler          = "edge_auth.handler.handler"
  runtime          = "python3.13"
  memory_size      = 128
  timeout          = var.timeout_seconds
  # CloudFront needs a numbered version; every package change publishes one.
  publish = true
  # Deleting fails while replicas exist; see README "Destroying".
  skip_destroy = var.skip_destroy
  tags         = var.tags

  lifecycle {
    precondition {
      condition     = local.package_bytes_bound <= local.max_bytes
      error_message = "The baked edge package may reach ${local.package_bytes_bound} bytes; Lambda@Edge viewer triggers accept at most 1,048,576 bytes compressed."
    }
  }

  depends_on = [aws_cloudwatch_log_group.us_east_1, aws_iam_role_policy.edge_auth_logs]
}
