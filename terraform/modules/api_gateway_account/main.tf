# The region's API Gateway account setting is shared by every REST API in it: apply this
# module once per account and region, in its own root, and never in an application stack.
# With provider v6, destroying aws_api_gateway_account resets the setting for every API in
# the region, so this root is never destroyed while any stage writes access logs.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

resource "aws_iam_role" "cloudwatch" {
  name = var.role_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.region}::/*" }
      }
    }]
  })
}

# Scoped instead of the managed AmazonAPIGatewayPushToCloudWatchLogs (logs:* on every group):
# API Gateway writes only its own groups, /aws/apigateway/... and API-Gateway-Execution-Logs_*.
resource "aws_iam_role_policy" "cloudwatch" {
  name = "write-api-gateway-log-groups"
  role = aws_iam_role.cloudwatch.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "WriteApiGatewayLogGroups"
      Effect = "Allow"
      Action = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"]
      Resource = [
        "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/apigateway/*",
        "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:API-Gateway-Execution-Logs_*",
      ]
    }]
  })
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.cloudwatch.arn
  depends_on          = [aws_iam_role_policy.cloudwatch]
}
