terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
      # Lambda@Edge functions must live in us-east-1; the caller passes a provider for it.
      configuration_aliases = [aws.us_east_1]
    }
  }
}
