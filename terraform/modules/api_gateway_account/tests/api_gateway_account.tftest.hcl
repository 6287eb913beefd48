mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { region = "eu-west-1" }
  }
}

run "scoped_role_bound_to_the_account" {
  command = apply

  assert {
    condition     = jsondecode(aws_iam_role.cloudwatch.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "The trust policy must carry aws:SourceAccount."
  }

  assert {
    condition = alltrue([
      for r in jsondecode(aws_iam_role_policy.cloudwatch.policy).Statement[0].Resource : startswith(r, "arn:aws:logs:eu-west-1:123456789012:log-group:")
    ]) && !contains(jsondecode(aws_iam_role_policy.cloudwatch.policy).Statement[0].Action, "logs:*")
    error_message = "The role may write API Gateway's own log groups only, never logs:* on every group."
  }

  assert {
    condition     = aws_api_gateway_account.this.cloudwatch_role_arn == aws_iam_role.cloudwatch.arn
    error_message = "The account setting must name the role."
  }
}
