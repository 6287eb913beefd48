terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
      # The caller passes a second configuration for us-east-1, where Lambda@Edge functions live.
      configuration_aliases = [aws.us_east_1]
    }
  }
}
